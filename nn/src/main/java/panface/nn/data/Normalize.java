package panface.nn.data;

/** insightface's input normalisation, (v / 255 - 0.5) / 0.5, mapping 0..255 to [-1, 1]. */
public final class Normalize {
    private Normalize() {
    }

    /** Writes the normalised CHW values of {@code img} into {@code out} from {@code offset}. */
    public static void into(Image img, float[] out, int offset) {
        float[] d = img.data();
        for (int i = 0; i < d.length; i++) {
            out[offset + i] = value(d[i]);
        }
    }

    public static float value(float v) {
        return (v / 255f - 0.5f) / 0.5f;
    }
}
