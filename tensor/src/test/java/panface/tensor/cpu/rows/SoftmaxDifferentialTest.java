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
import panface.tensor.Reduction;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;
import panface.tensor.cpu.elementwise.VecElementwise;

/**
 * Softmax, log-softmax (forward and backward) and cross-entropy: the fast row kernels against the
 * float64 reference over every {@link Regime} at every length, in and out of offset views, and
 * through the public API on strided, transposed and broadcast views; plus PyTorch's answers where
 * rows hold infinities or NaN.
 */
class SoftmaxDifferentialTest {
    private final SplittableRandom rnd = new SplittableRandom(11);

    @Test
    void kernelsAgreeWithTheReferenceInEveryRegime() {
        for (Regime regime : Regime.values()) {
            for (int cols : Differential.LENGTHS_AND_LONG_ROW) {
                int rows = cols == LONG_ROW ? 2 : 3;
                float[] x = Differential.rows(regime, rnd, rows, cols);
                for (boolean log : new boolean[] {false, true}) {
                    boolean offsetIn = (cols & 1) == 0;
                    kernel(regime + " cols=" + cols + " log=" + log, x, rows, cols, log, offsetIn ? Layout.OFFSET : Layout.CONTIGUOUS,
                            offsetIn ? Layout.CONTIGUOUS : Layout.OFFSET);
                }
            }
        }
    }

    @Test
    void manyShortRowsSplitAcrossThreads() {
        for (int cols : new int[] {1, Differential.LANES + 1}) {
            int rows = 2 * VecElementwise.GRAIN / cols + 7;
            float[] x = Differential.rows(Regime.LARGE, rnd, rows, cols);
            kernel("rows=" + rows + " cols=" + cols, x, rows, cols, false, Layout.CONTIGUOUS, Layout.OFFSET);
            kernel("rows=" + rows + " cols=" + cols, x, rows, cols, true, Layout.OFFSET, Layout.CONTIGUOUS);
        }
    }

    private void kernel(String what, float[] xv, int rows, int cols, boolean log, Layout in, Layout out) {
        String name = (log ? "log-softmax " : "softmax ") + what;
        Tensor x = Differential.place(in, xv, rows, cols);
        Tensor want = Differential.f64(rows, cols);
        RowsReference.softmax(viewOf(x), viewOf(want), log);
        Tensor got = Differential.empty(out, DType.F32, rows, cols);
        assertTaken(name, Chosen.softmax(x, got, log), true);
        double[] xd = Differential.widen(xv);
        double[] w = want.toDoubleArray();
        assertAgrees(name, w, got, log ? Tolerances.logSoftmax(xd, cols) : Tolerances.softmax(xd, w, cols));
        assertOnlyViewWritten(name, got);

        // backward from the forward's float32 output, as autograd saves it
        float[] yv = want.toFloatArray();
        float[] gv = Differential.normal(rnd, rows * cols, 1);
        Tensor y = Differential.place(out, yv, rows, cols);
        Tensor gy = Differential.place(in, gv, rows, cols);
        Tensor gWant = Differential.f64(rows, cols);
        RowsReference.softmaxBackward(viewOf(y), viewOf(gy), viewOf(gWant), log);
        Tensor gGot = Differential.empty(in, DType.F32, rows, cols);
        assertTaken(name + " backward", Chosen.softmaxBackward(y, gy, gGot, log), true);
        double[] yd = Differential.widen(yv);
        double[] gd = Differential.widen(gv);
        assertAgrees(name + " backward", gWant.toDoubleArray(), gGot,
                log ? Tolerances.logSoftmaxBackward(yd, gd, cols) : Tolerances.softmaxBackward(yd, gd, cols));
        assertOnlyViewWritten(name + " backward", gGot);
    }

    @Test
    void theKernelsDeclineLayoutsTheyCannotWalk() {
        float[] v = Differential.rows(Regime.NORMAL, rnd, 5, 9);
        for (Layout in : Layout.values()) {
            for (Layout out : Layout.values()) {
                Tensor x = Differential.place(in, v, 5, 9);
                Tensor y = Differential.empty(out, DType.F32, 5, 9);
                assertTaken("softmax " + in + " -> " + out, Chosen.softmax(x, y, false), in.rowMajor() && out.rowMajor());
            }
        }
    }

    /** F.softmax / F.logSoftmax with autograd on views, along the last and the first dimension, against the same calls in float64. */
    @Test
    void publicApiOnViewsAgreesWithFloat64() {
        int rows = 6;
        int cols = 2 * Differential.LANES + 3;
        for (Regime regime : new Regime[] {Regime.NORMAL, Regime.LARGE, Regime.MASKED, Regime.ONE_HOT}) {
            float[] v = Differential.rows(regime, rnd, rows, cols);
            for (Layout layout : Layout.values()) {
                for (int dim : new int[] {1, 0}) {
                    for (boolean log : new boolean[] {false, true}) {
                        Tensor x = Differential.place(layout, v, rows, cols);
                        api(regime + " " + layout + " dim=" + dim + " log=" + log, x, dim, log);
                    }
                }
            }
        }
        float[] row = Differential.rows(Regime.LARGE, rnd, 1, cols);
        api("broadcast rows", Differential.broadcastRows(row, rows, cols), 1, false);
        api("broadcast rows", Differential.broadcastRows(row, rows, cols), 1, true);
    }

    private void api(String what, Tensor x32, int dim, boolean log) {
        Tensor a = x32.detach().requiresGrad(true);
        Tensor ya = log ? F.logSoftmax(a, dim) : F.softmax(a, dim);
        Tensor yb = log ? F.logSoftmax(x32.to(DType.F64), dim) : F.softmax(x32.to(DType.F64), dim);
        // the float64 result along dim 0 is the same computation on the transposed values
        boolean t = dim == 0;
        double[] xd = (t ? x32.mT() : x32).contiguous().toDoubleArray();
        int cols = t ? x32.size(0) : x32.size(1);
        double[] want = (t ? yb.mT() : yb).contiguous().toDoubleArray();
        assertAgrees("F " + what, want, t ? ya.mT() : ya, log ? Tolerances.logSoftmax(xd, cols) : Tolerances.softmax(xd, want, cols));
        // the backward's reference starts from the float32 forward's output, which autograd saved
        Tensor g = Tensor.of(Differential.normal(rnd, x32.numel(), 1), x32.shape());
        ya.backward(g);
        Tensor yt = (t ? ya.mT() : ya).detach().contiguous();
        Tensor gt = (t ? g.mT() : g).contiguous();
        Tensor gWant = Differential.f64(yt.shape());
        RowsReference.softmaxBackward(viewOf(yt), viewOf(gt), viewOf(gWant), log);
        double[] gd = gt.toDoubleArray();
        double[] yd = yt.toDoubleArray();
        assertAgrees("F backward " + what, gWant.toDoubleArray(), t ? a.grad().mT() : a.grad(),
                log ? Tolerances.logSoftmaxBackward(yd, gd, cols) : Tolerances.softmaxBackward(yd, gd, cols));
    }

    /**
     * PyTorch 1.13's answers (torch.softmax / torch.log_softmax on float32, see
     * differential/torch_special_values.py in the test resources): a row with +inf or NaN, or with every
     * element -inf (a fully masked attention row), is NaN throughout; -inf elements of a partly
     * masked row get probability 0 and log-probability -inf.
     */
    @Test
    void infinitiesAndNanFollowPyTorch() {
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        float fi = Float.POSITIVE_INFINITY;
        float[][] rows = {{fi, 1, 2}, {1, fi, fi}, {-fi, -fi, -fi}, {1, Float.NaN, 2}, {1, -fi, 2}};
        double[][] soft = {{nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}, {0.2689414213699951, 0, 0.7310585786300049}};
        double[][] logSoft = {{nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}, {nan, nan, nan}, {-1.3132616875182228, -inf, -0.31326168751822286}};
        for (int r = 0; r < rows.length; r++) {
            for (int n : new int[] {3, 3 + Differential.LANES}) {
                // padded past a vector with -inf (probability 0), so the special element is in the vector loop or the tail
                float[] x = new float[n];
                java.util.Arrays.fill(x, -fi);
                System.arraycopy(rows[r], 0, x, n - 3, 3);
                for (boolean log : new boolean[] {false, true}) {
                    double[] want = new double[n];
                    java.util.Arrays.fill(want, log ? -inf : 0);
                    double[] tail = log ? logSoft[r] : soft[r];
                    boolean allNan = Double.isNaN(tail[0]);
                    for (int j = 0; j < n; j++) {
                        want[j] = allNan ? nan : j >= n - 3 ? tail[j - (n - 3)] : want[j];
                    }
                    Tensor got = Tensor.zeros(1, n);
                    assertTaken("special row", Chosen.softmax(Tensor.of(x, 1, n), got, log), true);
                    assertAgrees("softmax log=" + log + " of " + java.util.Arrays.toString(x), want, got, i -> 1e-7);
                }
            }
        }
    }

    /** Cross-entropy (log-softmax, pick, mean) in float32 against float64, with large logits and label smoothing. */
    @Test
    void crossEntropyAgreesWithFloat64() {
        int classes = 1000 + 3;
        int batch = 9;
        for (Regime regime : new Regime[] {Regime.NORMAL, Regime.LARGE, Regime.OFFSET, Regime.ALL_EQUAL, Regime.ONE_HOT}) {
            float[] v = Differential.rows(regime, rnd, batch, classes);
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rnd.nextInt(classes);
            }
            Tensor target = Tensor.of(labels, batch);
            for (double smoothing : new double[] {0, 0.1}) {
                for (Reduction red : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
                    Tensor a = Tensor.of(v, batch, classes).requiresGrad(true);
                    Tensor b = Tensor.of(v, batch, classes).to(DType.F64).requiresGrad(true);
                    Tensor la = F.crossEntropy(a, target, smoothing, red);
                    Tensor lb = F.crossEntropy(b, target, smoothing, red);
                    double[] xd = Differential.widen(v);
                    String what = "cross-entropy " + regime + " smoothing=" + smoothing + " " + red;
                    assertAgrees(what, lb.toDoubleArray(), la, Tolerances.crossEntropy(xd, classes, red));
                    Tensor up = red == Reduction.NONE ? Tensor.ones(batch) : Tensor.scalar(1.0);
                    la.backward(up);
                    lb.backward(up.to(DType.F64));
                    assertAgrees(what + " gradient", b.grad().toDoubleArray(), a.grad(), Tolerances.crossEntropyGrad(xd, classes, red == Reduction.MEAN ? 1.0 / batch : 1.0));
                }
            }
        }
    }

    @Test
    void logSoftmaxOfLargeLogitsKeepsTheLeadersSmallLogProbability() {
        // logits of a few hundred, the leader ahead by 12 (a confident classifier): log p = -log(1 + e^-12 + ...) is
        // about -1e-5, below half a float32 ulp of 300, so subtracting max + log s in one step would return 0
        int cols = 2 * Differential.LANES + 3;
        float[] x = new float[cols];
        for (int j = 0; j < cols; j++) {
            x[j] = 288f - j;
        }
        x[cols - 1] = 300f;
        double s = 0;
        for (float v : x) {
            s += Math.exp(v - 300.0);
        }
        float[] got = F.logSoftmax(Tensor.of(x, 1, cols), 1).toFloatArray();
        double want = -Math.log(s);
        // log of a float32 sum near 1: one ulp of 1 (PyTorch's float32 log-softmax has the same), against an error of the
        // whole 1e-5 when log s is lost in max + log s
        org.junit.jupiter.api.Assertions.assertEquals(want, got[cols - 1], 1.2e-7, "log p of the leader");
        org.junit.jupiter.api.Assertions.assertEquals(x[0] - 300.0 - Math.log(s), got[0], 1e-5, "log p of the runner-up");
    }
}
