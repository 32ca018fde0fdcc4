package panface.tensor.cpu.conv;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.KernelViews;

/**
 * The float32 convolution kernels (direct, pointwise GEMM, tiled im2col GEMM; batch 1, where
 * output or input channels are split between threads, and batches, where images are) against
 * the float64 reference on the face backbones' shapes and odd ones: forward, input gradient and
 * weight gradient. The 3x3 stride-1 shapes from 16x17 up are large enough for Winograd's algorithm in
 * the forward and in the input gradient (a convolution of the output gradient with the turned
 * weight): two of them at batch 8 with widths that leave half tiles, one with a number of
 * tiles per plane (63) that leaves a remainder after the transforms' vector loops, one at batch
 * 13 (more images at 14x14 than Winograd puts in one chunk of products) and one at 7x7 with the
 * 16 images from which Winograd takes that size.
 */
class ConvKernelsTest {
    /** n, c, o, h, w, kh, kw, stride, pad, dilation, groups. */
    private static final int[][] SHAPES = {
        {1, 5, 7, 13, 11, 3, 3, 1, 1, 1, 1}, {3, 5, 7, 13, 11, 3, 3, 1, 0, 1, 1}, {3, 6, 8, 13, 11, 3, 3, 2, 1, 1, 1},
        {1, 32, 64, 5, 5, 3, 3, 1, 1, 1, 1}, {1, 24, 40, 9, 7, 1, 1, 1, 0, 1, 1}, {3, 6, 5, 13, 11, 1, 1, 2, 0, 1, 1},
        {2, 3, 8, 70, 66, 3, 3, 1, 1, 1, 1}, {2, 5, 5, 13, 11, 3, 3, 1, 1, 1, 5}, {1, 6, 6, 12, 9, 3, 3, 2, 1, 1, 6},
        {2, 6, 6, 9, 8, 3, 3, 1, 1, 1, 3}, {3, 8, 8, 7, 7, 7, 7, 1, 0, 1, 8}, {2, 4, 6, 11, 10, 3, 3, 1, 2, 2, 1},
        {2, 16, 8, 6, 7, 3, 3, 1, 1, 1, 2}, {3, 16, 24, 16, 17, 3, 3, 1, 1, 1, 1}, {1, 16, 32, 31, 30, 3, 3, 1, 0, 1, 1},
        {4, 32, 16, 14, 15, 3, 3, 1, 1, 1, 1}, {8, 16, 24, 14, 15, 3, 3, 1, 1, 1, 1}, {8, 8, 12, 9, 7, 3, 3, 2, 1, 1, 1},
        {8, 12, 16, 7, 7, 1, 1, 1, 0, 1, 1}, {4, 16, 24, 14, 17, 3, 3, 1, 1, 1, 1},
        {13, 16, 16, 14, 14, 3, 3, 1, 1, 1, 1}, {16, 16, 17, 7, 7, 3, 3, 1, 1, 1, 1}};
    private final SplittableRandom rnd = new SplittableRandom(7);

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }

    private static double[] wide(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double[] abs(float[] a) {
        double[] d = wide(a);
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.abs(d[i]);
        }
        return d;
    }

    /**
     * |got - want| within terms * 2^-24 of the sum of the terms' magnitudes: the worst-case
     * error of a float32 sum of that many rounded products, whatever the order of summation.
     */
    private static void assertClose(String what, float[] got, double[] want, double[] magnitude, int terms) {
        for (int i = 0; i < want.length; i++) {
            double tol = terms * 0x1p-24 * magnitude[i] + 1e-30;
            int at = i;
            assertTrue(Math.abs(got[i] - want[i]) <= tol, () -> what + " at " + at + ": " + got[at] + " vs " + want[at] + " (tolerance " + tol + ")");
        }
    }

    @Test
    void forwardAndGradientsAgreeWithTheReference() {
        for (int[] d : SHAPES) {
            Conv2dParams p = new Conv2dParams(d[5], d[6], d[7], d[7], d[8], d[8], d[9], d[9]);
            int groups = d[10];
            int[] xs = {d[0], d[1], d[3], d[4]};
            int[] ws = {d[2], d[1] / groups, d[5], d[6]};
            ConvShape s = ConvShape.of(xs, ws, p, groups);
            String name = java.util.Arrays.toString(d);
            float[] x = random(s.n() * s.c() * s.hw());
            float[] w = random(s.o() * s.kg());
            float[] gy = random(s.n() * s.o() * s.l());
            Tensor xt = Tensor.of(x, xs);
            Tensor wt = Tensor.of(w, ws);
            Tensor gyt = Tensor.of(gy, s.n(), s.o(), s.ho(), s.wo());
            Tensor y = Tensor.zeros(s.n(), s.o(), s.ho(), s.wo());
            assertTrue(ConvKernels.forward(viewOf(xt), viewOf(wt), p, groups, null, viewOf(y)));
            assertClose(name + " forward", y.toFloatArray(), ConvReference.forward(wide(x), wide(w), s), ConvReference.forward(abs(x), abs(w), s),
                    s.kg());
            Tensor gx = Tensor.zeros(xs);
            assertTrue(ConvKernels.backwardInput(viewOf(gyt), viewOf(wt), p, groups, viewOf(gx)));
            assertClose(name + " input gradient", gx.toFloatArray(), ConvReference.backwardInput(wide(gy), wide(w), s),
                    ConvReference.backwardInput(abs(gy), abs(w), s), s.og() * s.kk());
            Tensor gw = Tensor.zeros(ws);
            assertTrue(ConvKernels.backwardWeight(viewOf(gyt), viewOf(xt), p, groups, viewOf(gw)));
            assertClose(name + " weight gradient", gw.toFloatArray(), ConvReference.backwardWeight(wide(gy), wide(x), s),
                    ConvReference.backwardWeight(abs(gy), abs(x), s), s.n() * s.l());
        }
    }
}
