package panface.nn.data;

/**
 * A mutable image of float pixel values on the 0..255 scale, channel-major (CHW): value c of
 * pixel (x, y) is {@code data[(c * height + y) * width + x]}, channels in the loader's order (RGB
 * unless configured otherwise). Augmentations change it in place or return a new image.
 */
public final class Image {
    private float[] data;
    private int width;
    private int height;

    public Image(float[] data, int width, int height) {
        set(data, width, height);
    }

    /** An image of the 8-bit interleaved (HWC, RGB) pixels; {@code bgr} swaps the first and third channel. */
    public static Image fromInterleaved(byte[] hwc, int width, int height, boolean bgr) {
        int plane = width * height;
        float[] d = new float[3 * plane];
        int r = bgr ? 2 * plane : 0;
        int b = bgr ? 0 : 2 * plane;
        for (int i = 0, s = 0; i < plane; i++, s += 3) {
            d[r + i] = hwc[s] & 0xFF;
            d[plane + i] = hwc[s + 1] & 0xFF;
            d[b + i] = hwc[s + 2] & 0xFF;
        }
        return new Image(d, width, height);
    }

    /** Replaces the pixels (for augmentations that change the size). */
    public void set(float[] data, int width, int height) {
        if (data.length != 3 * width * height) {
            throw new IllegalArgumentException(data.length + " values are not 3 x " + height + " x " + width);
        }
        this.data = data;
        this.width = width;
        this.height = height;
    }

    public float[] data() {
        return data;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Pixels per channel. */
    public int plane() {
        return width * height;
    }

    /** Value of channel c at (x, y). */
    public float get(int c, int x, int y) {
        return data[(c * height + y) * width + x];
    }
}
