package panface.tensor.cpu.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.backend.Conv2dParams;

/**
 * Winograd's F(4x4, 3x3) forward against the float64 definition ({@link ConvReference#forward}):
 * outputs whose sides leave 1, 2 and 3 rows or columns of a last tile, planes of fewer tiles than
 * a vector and of vectors and a remainder, padding 1 and 0, channel counts that are not multiples
 * of the vector width, several images in a chunk and more images than one chunk holds (four of 240 tiles, chunks of three), and
 * operands of magnitude about 1e3.
 */
class ConvWinograd4Test {
    /** n, c, o, h, w, pad. */
    private static final int[][] SHAPES = {
        {1, 16, 16, 5, 5, 1}, {2, 17, 19, 6, 7, 1}, {3, 16, 21, 11, 10, 0}, {1, 19, 16, 13, 15, 1}, {2, 16, 17, 28, 28, 1},
        {1, 24, 16, 30, 29, 1}, {4, 16, 16, 61, 58, 1}};
    private final SplittableRandom rnd = new SplittableRandom(13);

    private float[] random(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * rnd.nextDouble(-1, 1));
        }
        return a;
    }

    private static double[] wide(float[] a, boolean abs) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = abs ? Math.abs(a[i]) : a[i];
        }
        return d;
    }

    /**
     * Tolerance: 4 times the worst-case float32 rounding of a direct sum of c * 9 products
     * (2^-24 each) on the largest sum of |w x| among the outputs of the same 4x4 block, since the
     * transforms mix a block's values with coefficients up to 8 (these shapes' errors stayed
     * under a quarter of that bound; a wrong coefficient errs by about the output itself).
     */
    private static void check(String what, float[] got, double[] want, double[] magnitude, ConvShape s) {
        int ho = s.ho();
        int wo = s.wo();
        for (int plane = 0; plane < s.n() * s.o(); plane++) {
            for (int oy = 0; oy < ho; oy++) {
                for (int ox = 0; ox < wo; ox++) {
                    double largest = 0;
                    for (int by = oy & ~3; by < Math.min(ho, (oy & ~3) + 4); by++) {
                        for (int bx = ox & ~3; bx < Math.min(wo, (ox & ~3) + 4); bx++) {
                            largest = Math.max(largest, magnitude[plane * s.l() + by * wo + bx]);
                        }
                    }
                    double tol = 4.0 * s.c() * 9 * 0x1p-24 * largest;
                    int at = plane * s.l() + oy * wo + ox;
                    assertTrue(Math.abs(got[at] - want[at]) <= tol, () -> what + " at " + at + ": " + got[at] + " vs " + want[at] + " (tolerance " + tol + ")");
                }
            }
        }
    }

    @Test
    void forwardAgreesWithTheDefinition() {
        for (int[] d : SHAPES) {
            for (double scale : new double[] {1, 1e3}) {
                Conv2dParams p = new Conv2dParams(3, 3, 1, 1, d[5], d[5], 1, 1);
                ConvShape s = ConvShape.of(new int[] {d[0], d[1], d[3], d[4]}, new int[] {d[2], d[1], 3, 3}, p, 1);
                float[] x = random(s.n() * s.c() * s.hw(), scale);
                float[] w = random(s.o() * s.kg(), scale);
                double[] want = ConvReference.forward(wide(x, false), wide(w, false), s);
                double[] magnitude = ConvReference.forward(wide(x, true), wide(w, true), s);
                // operands at offsets inside larger arrays, and a stale output that must be overwritten
                float[] xs = new float[7 + x.length];
                System.arraycopy(x, 0, xs, 7, x.length);
                float[] ws = new float[5 + w.length];
                System.arraycopy(w, 0, ws, 5, w.length);
                float[] y = random(3 + s.n() * s.o() * s.l(), 1);
                ConvWinograd4.forward(xs, 7, ws, 5, y, 3, s, null);
                check(java.util.Arrays.toString(d) + " scale " + scale, java.util.Arrays.copyOfRange(y, 3, y.length), want, magnitude, s);
            }
        }
    }
}
