package panface.nn.data;

/**
 * Bilinear resampling of a rectangle of an image with OpenCV's INTER_LINEAR pixel-centre
 * convention: output pixel d reads source position (d + 0.5) * in / out - 0.5, clamped to the
 * rectangle's edges (no antialiasing when shrinking, as OpenCV).
 */
public final class Resize {
    private Resize() {
    }

    /** The whole image resized to width x height. */
    public static void resize(Image img, int width, int height) {
        crop(img, 0, 0, img.width(), img.height(), width, height);
    }

    /** The rectangle (x0, y0, w, h) resized to outW x outH, replacing the image. */
    public static void crop(Image img, int x0, int y0, int w, int h, int outW, int outH) {
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > img.width() || y0 + h > img.height()) {
            throw new IllegalArgumentException("crop (" + x0 + ", " + y0 + ", " + w + " x " + h + ") is outside the " + img.width()
                    + " x " + img.height() + " image");
        }
        if (x0 == 0 && y0 == 0 && w == outW && h == outH && w == img.width() && h == img.height()) {
            return;
        }
        int[] xi = new int[outW];
        float[] xf = new float[outW];
        taps(w, outW, xi, xf);
        int[] yi = new int[outH];
        float[] yf = new float[outH];
        taps(h, outH, yi, yf);
        float[] src = img.data();
        int sw = img.width();
        int sPlane = img.plane();
        float[] out = new float[3 * outW * outH];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < outH; y++) {
                int ya = y0 + yi[y];
                int yb = y0 + Math.min(yi[y] + 1, h - 1);
                int rowA = c * sPlane + ya * sw + x0;
                int rowB = c * sPlane + yb * sw + x0;
                float fy = yf[y];
                int o = (c * outH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    int xa = xi[x];
                    int xb = Math.min(xa + 1, w - 1);
                    float top = src[rowA + xa] + (src[rowA + xb] - src[rowA + xa]) * xf[x];
                    float bottom = src[rowB + xa] + (src[rowB + xb] - src[rowB + xa]) * xf[x];
                    out[o + x] = top + (bottom - top) * fy;
                }
            }
        }
        img.set(out, outW, outH);
    }

    /**
     * The half-pixel bilinear taps of resizing in samples to out (OpenCV's INTER_LINEAR, PIL's
     * bilinear without antialiasing): output d reads input index[d] and index[d] + 1 (clamped to
     * the last sample) with weights 1 - frac[d] and frac[d].
     */
    public static void taps(int in, int out, int[] index, float[] frac) {
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            double s = (d + 0.5) * scale - 0.5;
            int i = (int) Math.floor(s);
            double f = s - i;
            if (i < 0) {
                i = 0;
                f = 0;
            }
            if (i >= in - 1) {
                i = in - 1;
                f = 0;
            }
            index[d] = i;
            frac[d] = (float) f;
        }
    }
}
