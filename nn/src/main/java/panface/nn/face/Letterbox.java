package panface.nn.face;

import panface.nn.data.Resize;
import panface.nn.infer.RgbDecoder.Rgb;

/**
 * Fits a photo into a detector's input as insightface's SCRFD.detect does: keep the aspect ratio,
 * scale to fill the input's width or height, resize bilinearly (OpenCV's INTER_LINEAR pixel-centre
 * convention, rounded to 8 bits as cv2.resize gives), pad the bottom or right with zeros; then
 * normalise to (x - mean) / std, channels-first.
 *
 * @param width  the resized photo's width inside the input
 * @param height its height
 * @param scale  resized / original (divide detections by it to map them back)
 */
public record Letterbox(int width, int height, float scale) {

    /** The placement of a w x h photo in an inputWidth x inputHeight input. */
    public static Letterbox of(int w, int h, int inputWidth, int inputHeight) {
        double imRatio = h / (double) w;
        double modelRatio = inputHeight / (double) inputWidth;
        int nw;
        int nh;
        if (imRatio > modelRatio) {
            nh = inputHeight;
            nw = Math.max(1, (int) (nh / imRatio));
        } else {
            nw = inputWidth;
            nh = Math.max(1, (int) (nw * imRatio));
        }
        return new Letterbox(nw, nh, (float) (nh / (double) h));
    }

    /**
     * Writes the normalised input (3 x inputHeight x inputWidth floats, RGB or BGR) of {@code photo}
     * into {@code out} at {@code offset}; the padding is the normalised value of 0.
     */
    public void fill(Rgb photo, DetectorConfig c, float[] out, int offset) {
        int iw = c.inputWidth();
        int ih = c.inputHeight();
        int plane = iw * ih;
        float pad = (0 - c.mean()) / c.std();
        java.util.Arrays.fill(out, offset, offset + 3 * plane, pad);
        int sw = photo.width();
        int sh = photo.height();
        byte[] px = photo.pixels();
        int[] x0 = new int[width];
        float[] ax = new float[width];
        Resize.taps(sw, width, x0, ax);
        int[] x1 = new int[width];
        for (int x = 0; x < width; x++) {
            x1[x] = Math.min(x0[x] + 1, sw - 1);
        }
        int[] y0 = new int[height];
        float[] ays = new float[height];
        Resize.taps(sh, height, y0, ays);
        for (int y = 0; y < height; y++) {
            int r0 = y0[y] * sw * 3;
            int r1 = Math.min(y0[y] + 1, sh - 1) * sw * 3;
            float ay = ays[y];
            for (int x = 0; x < width; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float top = (px[r0 + x0[x] * 3 + ch] & 0xFF) * (1 - ax[x]) + (px[r0 + x1[x] * 3 + ch] & 0xFF) * ax[x];
                    float bot = (px[r1 + x0[x] * 3 + ch] & 0xFF) * (1 - ax[x]) + (px[r1 + x1[x] * 3 + ch] & 0xFF) * ax[x];
                    float v = Math.round(top * (1 - ay) + bot * ay);
                    int dc = c.bgr() ? 2 - ch : ch;
                    out[offset + dc * plane + y * iw + x] = (v - c.mean()) / c.std();
                }
            }
        }
    }
}
