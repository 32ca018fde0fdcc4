package panface.tensor.cpu.rows;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.LONG_ROW;
import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.CpuBackend;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances.Mean;
import panface.tensor.cpu.Tolerances;
import panface.tensor.cpu.elementwise.VecElementwise;

/**
 * Layer norm (forward and backward) and batch norm against float64: large offsets with tiny or
 * moderate variance, all-equal rows, infinities and NaN, every length up to 100,003, offset
 * views for the kernels and strided/transposed views through the public API.
 */
class NormDifferentialTest {
    private static final double EPS = 1e-5;
    private static final Regime[] REGIMES = {Regime.NORMAL, Regime.LARGE, Regime.TINY_VARIANCE, Regime.OFFSET, Regime.ALL_EQUAL,
        Regime.ONE_HOT, Regime.POS_INF, Regime.NAN};
    private final SplittableRandom rnd = new SplittableRandom(5);

    @Test
    void layerNormKernelsAgreeWithTheReferenceInEveryRegime() {
        for (Regime regime : REGIMES) {
            for (int cols : Differential.LENGTHS_AND_LONG_ROW) {
                int rows = cols == LONG_ROW ? 2 : 5;
                for (boolean affine : new boolean[] {true, false}) {
                    layerNorm(regime + " cols=" + cols + " affine=" + affine, Differential.rows(regime, rnd, rows, cols), rows, cols, affine,
                            (cols & 1) == 0 ? Layout.OFFSET : Layout.CONTIGUOUS);
                }
            }
        }
    }

    @Test
    void manyShortRowsSplitAcrossThreads() {
        int cols = Differential.LANES + 1;
        int rows = 3 * VecElementwise.GRAIN / cols;
        layerNorm("many rows", Differential.rows(Regime.OFFSET, rnd, rows, cols), rows, cols, true, Layout.OFFSET);
    }

    private void layerNorm(String what, float[] xv, int rows, int cols, boolean affine, Layout layout) {
        Layout other = layout == Layout.OFFSET ? Layout.CONTIGUOUS : Layout.OFFSET;
        Tensor x = Differential.place(layout, xv, rows, cols);
        float[] wv = affine ? Differential.normal(rnd, cols, 2) : null;
        float[] bv = affine ? Differential.normal(rnd, cols, 1) : null;
        Tensor w = affine ? Differential.place(other, wv, cols) : null;
        Tensor b = affine ? Differential.place(layout, bv, cols) : null;
        Tensor[] want = {Differential.f64(rows, cols), Differential.f64(rows), Differential.f64(rows)};
        RowsReference.layerNorm(viewOf(x), viewOf(w), viewOf(b), EPS, (want[0]).asView(), (want[1]).asView(), (want[2]).asView());
        Tensor[] got = {Differential.empty(other, DType.F32, rows, cols), Differential.empty(layout, DType.F32, rows),
            Differential.empty(other, DType.F32, rows)};
        assertTaken(what, Chosen.layerNorm(x, w, b, EPS, got[0], got[1], got[2]), true);
        double[] xd = Differential.widen(xv);
        double[] yd = want[0].toDoubleArray();
        assertAgrees("layer norm " + what, yd, got[0], Tolerances.normalized(xd, perElement(wv, rows), yd, EPS, cols, Mean.SHIFTED));
        assertAgrees("layer norm mean " + what, want[1].toDoubleArray(), got[1], Tolerances.normMean(xd, cols, Mean.SHIFTED));
        assertAgrees("layer norm rstd " + what, want[2].toDoubleArray(), got[2], Tolerances.normRstd(xd, EPS, cols, Mean.SHIFTED));
        for (Tensor t : got) {
            assertOnlyViewWritten("layer norm " + what, t);
        }

        // backward from the forward's float32 statistics, as autograd saves them
        float[] gv = Differential.normal(rnd, rows * cols, 1);
        Tensor gy = Differential.place(other, gv, rows, cols);
        Tensor mean = Differential.place(layout, want[1].toFloatArray(), rows);
        Tensor rstd = Differential.place(other, want[2].toFloatArray(), rows);
        Tensor[] gWant = {Differential.f64(rows, cols), Differential.f64(cols), Differential.f64(cols)};
        RowsReference.layerNormBackward(viewOf(x), viewOf(w), viewOf(mean), viewOf(rstd), viewOf(gy), (gWant[0]).asView(), (gWant[1]).asView(), (gWant[2]).asView());
        Tensor[] gGot = {Differential.empty(layout, DType.F32, rows, cols), Differential.empty(other, DType.F32, cols),
            Differential.empty(layout, DType.F32, cols)};
        assertTaken(what + " backward", Chosen.layerNormBackward(x, w, mean, rstd, gy, gGot[0], gGot[1], gGot[2]), true);
        double[] md = mean.toDoubleArray();
        double[] rd = rstd.toDoubleArray();
        double[] gd = Differential.widen(gv);
        double[] dx = gWant[0].toDoubleArray();
        assertAgrees("layer norm dx " + what, dx, gGot[0],
                Tolerances.normBackwardInput(xd, wv == null ? null : Differential.widen(wv), md, rd, gd, dx, cols));
        assertAgrees("layer norm dw " + what, gWant[1].toDoubleArray(), gGot[1], Tolerances.normBackwardWeight(xd, md, rd, gd, cols, false));
        assertAgrees("layer norm db " + what, gWant[2].toDoubleArray(), gGot[2], Tolerances.normBackwardWeight(xd, md, rd, gd, cols, true));
        for (Tensor t : gGot) {
            assertOnlyViewWritten("layer norm backward " + what, t);
        }
    }

    /** PyTorch 1.13 (torch.layer_norm on float32): a row holding +inf, -inf or NaN normalises to NaN throughout. */
    @Test
    void nonFiniteRowsNormaliseToNanAsInPyTorch() {
        float inf = Float.POSITIVE_INFINITY;
        float[][] rows = {{1, inf, 2}, {inf, 1, 2}, {-inf, 1, 2}, {Float.NaN, 1, 2}, {inf, -inf, 1}};
        for (float[] row : rows) {
            for (int n : new int[] {3, 3 + Differential.LANES}) {
                float[] x = new float[n];
                System.arraycopy(row, 0, x, 0, 3);
                Tensor y = Tensor.zeros(1, n);
                assertTaken("layer norm", Chosen.layerNorm(Tensor.of(x, 1, n), null, null, EPS, y, Tensor.zeros(1), Tensor.zeros(1)), true);
                double[] nan = new double[n];
                java.util.Arrays.fill(nan, Double.NaN);
                Differential.assertExactly("layer norm of " + java.util.Arrays.toString(x), nan, y);
            }
        }
    }

    /** Weights along the columns, repeated for every row (the bounds take them per element). */
    private static double[] perElement(float[] w, int rows) {
        if (w == null) {
            return null;
        }
        double[] d = new double[w.length * rows];
        for (int i = 0; i < d.length; i++) {
            d[i] = w[i % w.length];
        }
        return d;
    }

    /** F.layerNorm with autograd on strided and transposed views, over two trailing dimensions, against float64. */
    @Test
    void publicLayerNormOnViewsAgreesWithFloat64() {
        int rows = 6;
        int cols = 3 * Differential.LANES + 6;
        for (Regime regime : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.TINY_VARIANCE}) {
            float[] v = Differential.rows(regime, rnd, rows, cols);
            float[] wv = Differential.normal(rnd, cols, 1);
            float[] bv = Differential.normal(rnd, cols, 1);
            for (Layout layout : Layout.values()) {
                Tensor x = Differential.place(layout, v, rows, cols).requiresGrad(true);
                Tensor w = Differential.place(layout, wv, cols).requiresGrad(true);
                Tensor b = Tensor.of(bv, cols);
                Tensor y = F.layerNorm(x, w, b, EPS);
                Tensor y64 = F.layerNorm(x.detach().to(DType.F64), w.detach().to(DType.F64), b.to(DType.F64), EPS);
                double[] xd = Differential.widen(v);
                double[] yd = y64.toDoubleArray();
                String what = "F.layerNorm " + regime + " " + layout;
                assertAgrees(what, yd, y, Tolerances.normalized(xd, perElement(wv, rows), yd, EPS, cols, Mean.SHIFTED));
                // the same values over (rows, 2, cols / 2)... as a two-dimensional normalized shape
                if (cols % 2 == 0) {
                    Tensor y2 = F.layerNorm(x.reshape(rows, 2, cols / 2), new int[] {2, cols / 2}, null, null, EPS);
                    Tensor y2d = F.layerNorm(x.detach().to(DType.F64), null, null, EPS);
                    assertAgrees(what + " 2-D", y2d.toDoubleArray(), y2, Tolerances.normalized(xd, null, y2d.toDoubleArray(), EPS, cols, Mean.SHIFTED));
                }
                Tensor g = Tensor.of(Differential.normal(rnd, rows * cols, 1), rows, cols);
                y.backward(g);
                // the backward's reference starts from the statistics the float32 forward saved (the same backend call again)
                Tensor[] st = {Tensor.zeros(rows, cols), Tensor.zeros(rows), Tensor.zeros(rows)};
                CpuBackend.INSTANCE.layerNorm(x.detach().contiguous().asView(), w.detach().contiguous().asView(), viewOf(b), EPS, (st[0]).asView(), (st[1]).asView(), (st[2]).asView());
                Tensor[] gWant = {Differential.f64(rows, cols), Differential.f64(cols), Differential.f64(cols)};
                RowsReference.layerNormBackward(x.detach().asView(), w.detach().asView(), (st[1]).asView(), (st[2]).asView(), viewOf(g), (gWant[0]).asView(), (gWant[1]).asView(), null);
                double[] md = st[1].toDoubleArray();
                double[] rd = st[2].toDoubleArray();
                double[] gd = g.toDoubleArray();
                double[] dx = gWant[0].toDoubleArray();
                assertAgrees(what + " dx", dx, x.grad(), Tolerances.normBackwardInput(xd, Differential.widen(wv), md, rd, gd, dx, cols));
                assertAgrees(what + " dw", gWant[1].toDoubleArray(), w.grad(), Tolerances.normBackwardWeight(xd, md, rd, gd, cols, false));
            }
        }
    }

    /**
     * F.batchNorm in training (batch statistics, running statistics updated) on (N, C) and (N, C, H,
     * W) inputs, against the same call in float64; the bound is layer norm's with the channels as rows.
     */
    @Test
    void batchNormAgreesWithFloat64() {
        int c = 3;
        int[][] shapes = {{LONG_ROW, c}, {2 * Differential.LANES + 1, c}, {4, c, 7, 9}, {1, c, 1, 2}};
        for (int[] shape : shapes) {
            for (Regime regime : REGIMES) {
                int n = Tensor.zeros(shape).numel();
                // one regime row per channel: the values of channel k are row k of a (C, n / C) block
                float[] byChannel = Differential.rows(regime, rnd, c, n / c);
                Tensor xc = Tensor.of(byChannel, c, n / c);
                int[] moved = shape.clone();
                moved[0] = c;
                moved[1] = shape[0];
                Tensor x = xc.reshape(moved).transpose(0, 1);
                float[] wv = Differential.normal(rnd, c, 2);
                float[] bv = Differential.normal(rnd, c, 1);
                Tensor rm = Tensor.zeros(c);
                Tensor rv = Tensor.ones(c);
                Tensor rm64 = Tensor.zeros(DType.F64, c);
                Tensor rv64 = Tensor.ones(DType.F64, c);
                Tensor y = F.batchNorm(x, rm, rv, Tensor.of(wv, c), Tensor.of(bv, c), true, 0.1, EPS);
                Tensor y64 = F.batchNorm(x.to(DType.F64), rm64, rv64, Tensor.of(wv, c).to(DType.F64), Tensor.of(bv, c).to(DType.F64), true, 0.1, EPS);
                String what = "batch norm " + regime + " " + java.util.Arrays.toString(shape);
                double[] xd = Differential.widen(byChannel);
                double[] yd = y64.transpose(0, 1).contiguous().toDoubleArray();
                double[] w = new double[n];
                for (int i = 0; i < n; i++) {
                    w[i] = wv[i / (n / c)];
                }
                assertAgrees(what, yd, y.transpose(0, 1).contiguous(), Tolerances.normalized(xd, w, yd, EPS, n / c, Mean.SUMMED));
                assertAgrees(what + " running mean", rm64.toDoubleArray(), rm, Tolerances.normMean(xd, n / c, Mean.SUMMED));
            }
        }
    }
}
