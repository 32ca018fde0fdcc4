package panface.nn.face;

import panface.nn.infer.RgbDecoder.Rgb;

/**
 * Warps an RGB image by an affine map with bilinear sampling, as cv2.warpAffine with INTER_LINEAR
 * and a constant border of 0: each output pixel (x, y) takes the source at M^-1 (x, y), and source
 * neighbours outside the image count as black. Runs on the CPU.
 */
public final class AffineWarp {
    private AffineWarp() {
    }

    /**
     * The {@code width} x {@code height} image whose pixel (x, y) is {@code src} sampled at
     * {@code inverse.apply(x, y)}; values are rounded to the nearest level.
     */
    public static Rgb warp(Rgb src, SimilarityTransform inverse, int width, int height) {
        double[] m = inverse.matrix();
        int w = src.width();
        int h = src.height();
        byte[] in = src.pixels();
        byte[] out = new byte[width * height * 3];
        double[] acc = new double[3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double sx = m[0] * x + m[1] * y + m[2];
                double sy = m[3] * x + m[4] * y + m[5];
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                acc[0] = 0;
                acc[1] = 0;
                acc[2] = 0;
                add(in, w, h, x0, y0, (1 - fx) * (1 - fy), acc);
                add(in, w, h, x0 + 1, y0, fx * (1 - fy), acc);
                add(in, w, h, x0, y0 + 1, (1 - fx) * fy, acc);
                add(in, w, h, x0 + 1, y0 + 1, fx * fy, acc);
                int o = (y * width + x) * 3;
                for (int c = 0; c < 3; c++) {
                    out[o + c] = (byte) Math.min(255, Math.max(0, Math.round(acc[c])));
                }
            }
        }
        return new Rgb(out, width, height);
    }

    private static void add(byte[] in, int w, int h, int x, int y, double weight, double[] acc) {
        if (x < 0 || y < 0 || x >= w || y >= h || weight == 0) {
            return;
        }
        int i = (y * w + x) * 3;
        acc[0] += weight * (in[i] & 0xFF);
        acc[1] += weight * (in[i + 1] & 0xFF);
        acc[2] += weight * (in[i + 2] & 0xFF);
    }
}
