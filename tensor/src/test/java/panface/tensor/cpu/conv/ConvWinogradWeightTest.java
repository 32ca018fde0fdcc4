package panface.tensor.cpu.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.backend.Conv2dParams;

/**
 * The Winograd weight gradient of 3x3 stride-1 convolutions against the float64 definition
 * ({@link ConvReference#backwardWeight}): odd output sizes (half tiles at the right and bottom
 * edges), planes of fewer tiles than a vector and of a vector and a remainder, padding 1 and 0,
 * batch 1 and several images, channel counts that are not multiples of the vector width, chunks
 * of one image and of the whole batch, and inputs of magnitude about 1e3.
 */
class ConvWinogradWeightTest {
    /** n, c, o, h, w, pad. */
    private static final int[][] SHAPES = {
        {1, 16, 16, 5, 5, 1}, {3, 17, 19, 7, 7, 1}, {2, 19, 16, 9, 9, 1}, {1, 16, 21, 13, 11, 1}, {4, 18, 17, 14, 14, 1},
        {2, 16, 16, 16, 17, 0}, {3, 23, 16, 12, 10, 1}, {1, 24, 40, 28, 28, 1}};
    private final SplittableRandom rnd = new SplittableRandom(11);

    private float[] random(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * rnd.nextDouble(-1, 1));
        }
        return a;
    }

    private static float[] shifted(float[] a, int offset) {
        float[] b = new float[offset + a.length];
        System.arraycopy(a, 0, b, offset, a.length);
        return b;
    }

    private static double[] wide(float[] a, boolean abs) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = abs ? Math.abs(a[i]) : a[i];
        }
        return d;
    }

    /**
     * Tolerance: the float32 rounding of a sum of n * l products, 2^-24 each, times 16, on the
     * largest of the nine taps' sums of |dY x| for that pair of channels: every transformed
     * product mixes up to 16 patch values of a tile (its transforms sum four inputs and four
     * gradients) and the transform back mixes the 16 positions, so each tap's rounding is
     * bounded by its neighbours' magnitudes, not its own.
     */
    private static void check(String what, float[] got, double[] want, double[] magnitude, int terms) {
        for (int pair = 0; pair < want.length / 9; pair++) {
            double largest = 0;
            for (int k = 0; k < 9; k++) {
                largest = Math.max(largest, magnitude[9 * pair + k]);
            }
            double tol = 16.0 * terms * 0x1p-24 * largest;
            for (int k = 0; k < 9; k++) {
                int at = 9 * pair + k;
                assertTrue(Math.abs(got[at] - want[at]) <= tol, () -> what + " at " + at + ": " + got[at] + " vs " + want[at] + " (tolerance " + tol + ")");
            }
        }
    }

    @Test
    void weightGradientAgreesWithTheDefinition() {
        for (int[] d : SHAPES) {
            for (double scale : new double[] {1, 1e3}) {
                Conv2dParams p = new Conv2dParams(3, 3, 1, 1, d[5], d[5], 1, 1);
                ConvShape s = ConvShape.of(new int[] {d[0], d[1], d[3], d[4]}, new int[] {d[2], d[1], 3, 3}, p, 1);
                float[] x = random(s.n() * s.c() * s.hw(), scale);
                float[] gy = random(s.n() * s.o() * s.l(), scale);
                double[] want = ConvReference.backwardWeight(wide(gy, false), wide(x, false), s);
                double[] magnitude = ConvReference.backwardWeight(wide(gy, true), wide(x, true), s);
                int tiles = (s.ho() + 1) / 2 * ((s.wo() + 1) / 2);
                // one image per chunk, then the whole batch in one
                for (int chunk : new int[] {16 * (s.c() + s.o()) * tiles, ConvWinogradWeight.CHUNK_FLOATS}) {
                    // operands at offsets inside larger arrays, and a stale gradient that must be overwritten
                    float[] gw = random(3 + s.o() * s.kg(), 1);
                    ConvWinogradWeight.backwardWeight(shifted(gy, 5), 5, shifted(x, 7), 7, gw, 3, s, chunk);
                    check(java.util.Arrays.toString(d) + " scale " + scale + " chunk " + chunk,
                            java.util.Arrays.copyOfRange(gw, 3, gw.length), want, magnitude, s.n() * s.l());
                }
            }
        }
    }
}
