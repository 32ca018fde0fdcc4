package panface.nn.data;

/**
 * Replaces the image by its luma in all three channels with probability p (torchvision's
 * RandomGrayscale): L = 0.299 R + 0.587 G + 0.114 B (ITU-R 601-2, PIL's "L" conversion).
 * Assumes RGB channel order.
 */
public record Grayscale(double p) implements Augmentation {
    public Grayscale {
        Augmentations.checkProbability(p);
    }

    @Override
    public void apply(Image img, SampleRandom random) {
        if (random.bernoulli(p)) {
            toGray(img);
        }
    }

    /** Writes the luma into all three channels. */
    public static void toGray(Image img) {
        float[] d = img.data();
        int n = img.plane();
        for (int i = 0; i < n; i++) {
            float l = luma(d[i], d[n + i], d[2 * n + i]);
            d[i] = l;
            d[n + i] = l;
            d[2 * n + i] = l;
        }
    }

    static float luma(float r, float g, float b) {
        return 0.299f * r + 0.587f * g + 0.114f * b;
    }
}
