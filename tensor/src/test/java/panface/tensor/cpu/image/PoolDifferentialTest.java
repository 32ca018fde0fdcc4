package panface.tensor.cpu.image;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static panface.tensor.cpu.Differential.U;
import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertExactly;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;

/**
 * The float32 pooling kernels (FastPool) against the double references (ImageReference): the
 * ResNet stem's 3x3 stride-2 max pool, overlapping and non-square windows, padding with and
 * without count_include_pad, ceil mode (windows that start in the padding and clip), one-pixel and
 * odd-sized planes, NaN and infinities in the max, operands at a storage offset; strided or
 * float64 operands are left to the reference.
 */
class PoolDifferentialTest {
    private static final int[][] SHAPES = {{1, 1, 1, 1}, {2, 3, 7, 5}, {1, 4, 13, 9}, {3, 2, 16, 16}};
    /** kh, kw, sh, sw, ph, pw. */
    private static final int[][] WINDOWS = {{3, 3, 2, 2, 1, 1}, {2, 2, 2, 2, 0, 0}, {3, 3, 1, 1, 1, 1}, {2, 3, 1, 2, 1, 0}, {1, 1, 1, 1, 0, 0}};
    private final SplittableRandom rnd = new SplittableRandom(53);

    @Test
    void maxAndAveragePoolingAgreeWithTheReference() {
        for (int[] s : SHAPES) {
            for (int[] k : WINDOWS) {
                for (boolean ceil : new boolean[] {false, true}) {
                    for (boolean countPad : new boolean[] {true, false}) {
                        Pool2dParams p = new Pool2dParams(k[0], k[1], k[2], k[3], k[4], k[5], ceil, countPad);
                        if (p.outH(s[2]) <= 0 || p.outW(s[3]) <= 0) {
                            continue;
                        }
                        String what = Arrays.toString(s) + " " + p;
                        if (countPad) {
                            checkMax(s, p, what);
                        }
                        checkAverage(s, p, what);
                    }
                }
            }
        }
    }

    private float[] values(int n, boolean specials) {
        float[] v = Differential.normal(rnd, n, 3);
        if (specials) {
            for (int i = 0; i < n; i += 7) {
                v[i] = new float[] {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 1e30f}[rnd.nextInt(5)];
            }
        }
        return v;
    }

    private void checkMax(int[] s, Pool2dParams p, String what) {
        int ho = p.outH(s[2]);
        int wo = p.outW(s[3]);
        for (boolean specials : new boolean[] {false, true}) {
            Tensor x = Differential.place(Layout.OFFSET, values(s[0] * s[1] * s[2] * s[3], specials), s);
            Tensor want = Differential.f64(s[0], s[1], ho, wo);
            Tensor wantArg = Tensor.zeros(DType.I64, s[0], s[1], ho, wo);
            ImageReference.maxPool(viewOf(x), p, viewOf(want), viewOf(wantArg));
            Tensor got = Differential.empty(Layout.OFFSET, DType.F32, s[0], s[1], ho, wo);
            Tensor gotArg = Tensor.zeros(DType.I64, s[0], s[1], ho, wo);
            assertTaken("maxPool2d " + what, Chosen.maxPool2d(x, p, got, gotArg), true);
            assertExactly("maxPool2d " + what + " specials " + specials, want.toDoubleArray(), got);
            assertOnlyViewWritten("maxPool2d " + what, got);
            assertArrayEquals(wantArg.toLongArray(), gotArg.toLongArray(), "maxPool2d argmax " + what);

            // the backward adds onto gx's contents; overlapping windows add several gradients to one input
            float[] gyv = Differential.normal(rnd, s[0] * s[1] * ho * wo, 1);
            Tensor gy = Differential.place(Layout.OFFSET, gyv, s[0], s[1], ho, wo);
            float[] gx0 = Differential.normal(rnd, s[0] * s[1] * s[2] * s[3], 1);
            Tensor wantGx = Tensor.of(gx0, s).to(DType.F64);
            ImageReference.maxPoolBackward(viewOf(gy), viewOf(wantArg), viewOf(wantGx));
            Tensor gotGx = Differential.place(Layout.OFFSET, gx0, s);
            assertTaken("maxPool2dBackward " + what, Chosen.maxPool2dBackward(gy, gotArg, gotGx), true);
            // float32 additions in the reference's order: each rounds once
            double[] mag = magnitudes(gx0, gy, wantArg, s);
            assertAgrees("maxPool2dBackward " + what, wantGx.toDoubleArray(), gotGx, i -> 2 * U * mag[i]);
        }
    }

    /** |gx0| plus the |gy| that land on each input: the scale of a float32 sum's rounding. */
    private static double[] magnitudes(float[] gx0, Tensor gy, Tensor argmax, int[] s) {
        Tensor m = Tensor.of(gx0, s).abs().to(DType.F64);
        ImageReference.maxPoolBackward(gy.abs().asView(), viewOf(argmax), viewOf(m));
        return m.toDoubleArray();
    }

    private void checkAverage(int[] s, Pool2dParams p, String what) {
        int ho = p.outH(s[2]);
        int wo = p.outW(s[3]);
        Tensor x = Differential.place(Layout.OFFSET, values(s[0] * s[1] * s[2] * s[3], false), s);
        Tensor want = Differential.f64(s[0], s[1], ho, wo);
        ImageReference.avgPool(viewOf(x), p, viewOf(want));
        Tensor got = Differential.empty(Layout.OFFSET, DType.F32, s[0], s[1], ho, wo);
        assertTaken("avgPool2d " + what, Chosen.avgPool2d(x, p, got), true);
        // the same double sums in the same order, rounded once
        assertExactly("avgPool2d " + what, roundedToFloat(want.toDoubleArray()), got);
        assertOnlyViewWritten("avgPool2d " + what, got);

        Tensor gy = Differential.place(Layout.OFFSET, Differential.normal(rnd, s[0] * s[1] * ho * wo, 1), s[0], s[1], ho, wo);
        Tensor wantGx = Differential.f64(s);
        ImageReference.avgPoolBackward(viewOf(gy), p, viewOf(wantGx));
        Tensor gotGx = Differential.empty(Layout.OFFSET, DType.F32, s);
        assertTaken("avgPool2dBackward " + what, Chosen.avgPool2dBackward(gy, p, gotGx), true);
        assertExactly("avgPool2dBackward " + what, roundedToFloat(wantGx.toDoubleArray()), gotGx);
        assertOnlyViewWritten("avgPool2dBackward " + what, gotGx);
    }

    @Test
    void adaptiveAveragePoolingAgreesWithTheReference() {
        int[][] outs = {{1, 1}, {3, 2}, {7, 5}, {4, 4}, {2, 3}};
        for (int[] s : SHAPES) {
            for (int[] o : outs) {
                String what = Arrays.toString(s) + " to " + Arrays.toString(o);
                Tensor x = Differential.place(Layout.OFFSET, values(s[0] * s[1] * s[2] * s[3], false), s);
                Tensor want = Differential.f64(s[0], s[1], o[0], o[1]);
                ImageReference.adaptiveAvgPool(viewOf(x), viewOf(want), null, null);
                Tensor got = Differential.empty(Layout.OFFSET, DType.F32, s[0], s[1], o[0], o[1]);
                assertTaken("adaptiveAvgPool2d " + what, Chosen.adaptiveAvgPool2d(x, got), true);
                assertExactly("adaptiveAvgPool2d " + what, roundedToFloat(want.toDoubleArray()), got);

                Tensor gy = Differential.place(Layout.OFFSET, Differential.normal(rnd, s[0] * s[1] * o[0] * o[1], 1), s[0], s[1], o[0], o[1]);
                Tensor wantGx = Differential.f64(s);
                ImageReference.adaptiveAvgPool(null, null, viewOf(gy), viewOf(wantGx));
                Tensor gotGx = Differential.empty(Layout.OFFSET, DType.F32, s);
                assertTaken("adaptiveAvgPool2dBackward " + what, Chosen.adaptiveAvgPool2dBackward(gy, gotGx), true);
                assertExactly("adaptiveAvgPool2dBackward " + what, roundedToFloat(wantGx.toDoubleArray()), gotGx);
                assertOnlyViewWritten("adaptiveAvgPool2dBackward " + what, gotGx);
            }
        }
    }

    @Test
    void stridedAndDoubleOperandsAreLeftToTheReference() {
        int[] s = {2, 3, 7, 5};
        Pool2dParams p = new Pool2dParams(3, 3, 2, 2, 1, 1, false, true);
        Tensor strided = Differential.place(Layout.STRIDED, values(2 * 3 * 7 * 5, false), s);
        Tensor out = Tensor.zeros(2, 3, 4, 3);
        Tensor arg = Tensor.zeros(DType.I64, 2, 3, 4, 3);
        assertTaken("strided max", Chosen.maxPool2d(strided, p, out, arg), false);
        assertTaken("strided avg", Chosen.avgPool2d(strided, p, out), false);
        Tensor f64 = Tensor.zeros(DType.F64, s);
        assertTaken("float64 max", Chosen.maxPool2d(f64, p, Tensor.zeros(DType.F64, 2, 3, 4, 3), arg), false);
        assertTaken("float64 adaptive", Chosen.adaptiveAvgPool2d(f64, Tensor.zeros(DType.F64, 2, 3, 1, 1)), false);
    }

    private static double[] roundedToFloat(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (float) v[i];
        }
        return r;
    }
}
