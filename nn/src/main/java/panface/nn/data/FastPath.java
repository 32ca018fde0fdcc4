package panface.nn.data;

/**
 * insightface's whole training transform (an optional horizontal flip, then normalisation) done
 * in one pass from the decoded 8-bit interleaved pixels into the batch, without the float
 * {@link Image} in between. Gives exactly the values of {@link Image#fromInterleaved},
 * {@link HorizontalFlip#flip} and {@link Normalize#into} in sequence.
 */
final class FastPath {
    /** Normalize.value of every 8-bit level. */
    private static final float[] LEVELS = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            LEVELS[v] = Normalize.value(v);
        }
    }

    private FastPath() {
    }

    /** Writes the normalised CHW values of the HWC bytes into {@code out} from {@code offset}. */
    static void normalize(byte[] hwc, int width, int height, boolean flip, boolean bgr, float[] out, int offset) {
        int plane = width * height;
        int r = offset + (bgr ? 2 * plane : 0);
        int g = offset + plane;
        int b = offset + (bgr ? 0 : 2 * plane);
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                int s = (row + (flip ? width - 1 - x : x)) * 3;
                int o = row + x;
                out[r + o] = LEVELS[hwc[s] & 0xFF];
                out[g + o] = LEVELS[hwc[s + 1] & 0xFF];
                out[b + o] = LEVELS[hwc[s + 2] & 0xFF];
            }
        }
    }
}
