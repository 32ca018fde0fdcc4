package panface.nn.data;

import java.util.List;

/** Helpers shared by the augmentations, and running a list of them. */
public final class Augmentations {
    private Augmentations() {
    }

    static void checkProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
    }

    /** Applies the augmentations in order. */
    public static void apply(List<Augmentation> augmentations, Image img, SampleRandom random) {
        for (Augmentation a : augmentations) {
            a.apply(img, random);
        }
    }

    /** Clamps to the 0..255 range of 8-bit pixels. */
    static float clamp(float v) {
        return v < 0f ? 0f : v > 255f ? 255f : v;
    }
}
