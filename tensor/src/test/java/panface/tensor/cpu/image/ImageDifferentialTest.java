package panface.tensor.cpu.image;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;

/**
 * The float32 unfold and fold of convolution (FastImage) against the reference (ImageReference):
 * padding wider than the kernel, strides wider than the kernel (pixels no window reads),
 * dilation, one-pixel images and outputs, NaN and infinities (copied exactly by im2col, summed
 * by col2im), outputs at an offset; and conv2d through F on a strided input against float64.
 */
class ImageDifferentialTest {
    private static final Conv2dParams[] PARAMS = {new Conv2dParams(3, 3, 1, 1, 1, 1, 1, 1), new Conv2dParams(2, 2, 1, 1, 3, 3, 1, 1),
        new Conv2dParams(1, 1, 3, 3, 0, 0, 1, 1), new Conv2dParams(3, 2, 2, 1, 1, 0, 2, 3), new Conv2dParams(5, 5, 5, 5, 0, 0, 1, 1),
        new Conv2dParams(1, 1, 1, 1, 0, 0, 1, 1)};
    private static final int[][] IMAGES = {{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 2, 13, 9}};
    private final SplittableRandom rnd = new SplittableRandom(37);

    @Test
    void unfoldAndFoldAgreeWithTheReference() {
        for (Conv2dParams p : PARAMS) {
            for (int[] s : IMAGES) {
                if (p.outH(s[2]) <= 0 || p.outW(s[3]) <= 0) {
                    continue;
                }
                for (Regime regime : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.NAN, Regime.POS_INF}) {
                    check(p, s, regime);
                }
            }
        }
    }

    private void check(Conv2dParams p, int[] s, Regime regime) {
        int n = s[0];
        int c = s[1];
        int rows = c * p.kh() * p.kw();
        int l = p.outH(s[2]) * p.outW(s[3]);
        String what = p + " " + java.util.Arrays.toString(s) + " " + regime;
        float[] xv = Differential.rows(regime, rnd, n * c, s[2] * s[3]);
        Tensor x = Differential.place(Layout.OFFSET, xv, s);
        Tensor want = Differential.f64(n, rows, l);
        ImageReference.im2col(viewOf(x), p, viewOf(want));
        Tensor got = Differential.empty(Layout.OFFSET, DType.F32, n, rows, l);
        assertTaken(what, Chosen.im2col(x, p, got), true);
        // a copy with zeros at the padding: exact
        assertAgrees("im2col " + what, want.toDoubleArray(), got, Tolerances.EXACT);
        assertOnlyViewWritten("im2col " + what, got);

        float[] cv = Differential.rows(regime, rnd, n * rows, l);
        float[] base = Differential.normal(rnd, n * c * s[2] * s[3], 1);
        Tensor cols = Differential.place(Layout.CONTIGUOUS, cv, n, rows, l);
        Tensor xw = Tensor.of(base, s).to(DType.F64);
        ImageReference.col2im(viewOf(cols), p, viewOf(xw));
        Tensor xg = Differential.place(Layout.OFFSET, base, s);
        assertTaken(what, Chosen.col2im(cols, p, xg), true);
        Tensor mag = Tensor.of(base, s).to(DType.F64).abs();
        ImageReference.col2im(cols.to(DType.F64).abs().asView(), p, viewOf(mag));
        double[] md = mag.toDoubleArray();
        double[] xd = xw.toDoubleArray();
        int adds = p.kh() * p.kw() + 1;
        // each pixel sums at most kh kw window entries into its value, in float32, one after another
        assertAgrees("col2im " + what, xd, xg, i -> adds * Differential.U * md[i] + Float.MIN_NORMAL);
        assertOnlyViewWritten("col2im " + what, xg);
    }

    /** conv2d with autograd on a transposed input view (its im2col runs on a packed copy), against float64. */
    @Test
    void conv2dOnAViewAgreesWithFloat64() {
        Conv2dParams p = new Conv2dParams(3, 3, 2, 2, 1, 1, 1, 1);
        float[] xv = Differential.rows(Regime.OFFSET, rnd, 2 * 3, 11 * 9);
        float[] wv = Differential.normal(rnd, 4 * 3 * 9, 0.2);
        Tensor x = Differential.place(Layout.TRANSPOSED, xv, 2, 3, 11, 9).requiresGrad(true);
        Tensor w = Tensor.of(wv, 4, 3, 3, 3);
        int[] st = {p.sh(), p.sw()};
        int[] pad = {p.ph(), p.pw()};
        int[] dil = {1, 1};
        Tensor y = F.conv2d(x, w, null, st, pad, dil, 1);
        Tensor y64 = F.conv2d(x.detach().to(DType.F64), w.to(DType.F64), null, st, pad, dil, 1);
        Tensor mag = F.conv2d(x.detach().to(DType.F64).abs(), w.to(DType.F64).abs(), null, st, pad, dil, 1);
        double[] md = mag.toDoubleArray();
        double[] yd = y64.toDoubleArray();
        int k = 3 * 9;
        assertAgrees("conv2d on a transposed view", yd, y, Tolerances.product(md, new double[md.length], yd, k));
        // the input gradient: W^T g per window (a product over the 4 output channels), folded back by col2im
        float[] gv = Differential.normal(rnd, y.numel(), 1);
        y.backward(Tensor.of(gv, y.shape()));
        Tensor x64 = x.detach().to(DType.F64).requiresGrad(true);
        F.conv2d(x64, w.to(DType.F64), null, st, pad, dil, 1).backward(Tensor.of(gv, y.shape()).to(DType.F64));
        Tensor xm = x.detach().to(DType.F64).requiresGrad(true);
        F.conv2d(xm, w.to(DType.F64).abs(), null, st, pad, dil, 1).backward(Tensor.of(gv, y.shape()).to(DType.F64).abs());
        double[] gm = xm.grad().toDoubleArray();
        double[] gw = x64.grad().toDoubleArray();
        assertAgrees("conv2d input gradient", gw, x.grad(), Tolerances.product(gm, new double[gm.length], gw, 4 + p.kh() * p.kw()));
    }
}
