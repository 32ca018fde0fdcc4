package panface.tensor.cpu.rows;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.LONG_ROW;
import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.backend.ReduceOp;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Bound;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;

/**
 * Sum, max and min over trailing dimensions (rows) and over leading dimensions (column sums, a
 * bias gradient) against float64: every regime and length, long rows and long columns, offset
 * outputs; and through the public API on strided and transposed views. Max and min must be exact
 * and NaN-propagating (PyTorch: max of a row with NaN is NaN).
 */
class ReductionDifferentialTest {
    private static final ReduceOp[] OPS = {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN};
    private final SplittableRandom rnd = new SplittableRandom(3);

    @Test
    void rowReductionsAgreeInEveryRegime() {
        for (Regime regime : Regime.values()) {
            for (int cols : Differential.LENGTHS_AND_LONG_ROW) {
                int rows = cols == LONG_ROW ? 2 : 5;
                float[] v = Differential.rows(regime, rnd, rows, cols);
                for (ReduceOp op : OPS) {
                    Layout in = (cols & 1) == 0 ? Layout.OFFSET : Layout.CONTIGUOUS;
                    Layout out = in == Layout.OFFSET ? Layout.CONTIGUOUS : Layout.OFFSET;
                    check(op, op + " rows " + regime + " cols=" + cols, Differential.place(in, v, rows, cols), new int[] {1},
                            Differential.empty(out, DType.F32, rows, 1), cols);
                }
            }
        }
    }

    @Test
    void reductionsOverSeveralTrailingOrLeadingDimensions() {
        for (Regime regime : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.NAN, Regime.POS_INF}) {
            int[] shape = {3, 5, 2 * Differential.LANES + 3};
            float[] v = Differential.rows(regime, rnd, 15, shape[2]);
            Tensor x = Differential.place(Layout.OFFSET, v, shape);
            for (ReduceOp op : OPS) {
                check(op, op + " trailing two " + regime, x, new int[] {1, 2}, Differential.empty(Layout.OFFSET, DType.F32, 3, 1, 1), 5 * shape[2]);
            }
            check(ReduceOp.SUM, "SUM leading two " + regime, x, new int[] {0, 1}, Differential.empty(Layout.OFFSET, DType.F32, 1, 1, shape[2]), 15);
        }
    }

    @Test
    void columnSumsAgreeInEveryRegime() {
        for (Regime regime : Regime.values()) {
            for (int rows : Differential.withLongRow(new int[] {1, 2, 9, 1021})) {
                // 2503 columns: more than one tile of columns per thread, and a partial last tile
                for (int cols : new int[] {1, Differential.LANES - 1, 3 * Differential.LANES + 1, 2503}) {
                    if ((rows == LONG_ROW && cols > 1 + Differential.LANES) || (cols == 2503 && rows < 9)) {
                        continue;
                    }
                    // each column a regime row: the regime's structure runs down the columns being summed
                    float[] byColumn = Differential.rows(regime, rnd, cols, rows);
                    float[] v = new float[rows * cols];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            v[i * cols + j] = byColumn[j * rows + i];
                        }
                    }
                    check(ReduceOp.SUM, "SUM columns " + regime + " rows=" + rows + " cols=" + cols, Differential.place(Layout.OFFSET, v, rows, cols),
                            new int[] {0}, Differential.empty(Layout.CONTIGUOUS, DType.F32, 1, cols), rows);
                }
            }
        }
    }

    /** The kernel on x into out (reduced over dims), against the reference into float64; n = elements per output. */
    private static void check(ReduceOp op, String what, Tensor x, int[] dims, Tensor out, int n) {
        Tensor want = Differential.f64(out.shape());
        RowsReference.reduce(op, viewOf(x), dims, viewOf(want));
        assertTaken(what, Chosen.reduce(op, x, dims, out), true);
        Bound bound = op == ReduceOp.SUM ? Tolerances.sum(absSums(x, dims, out.shape()), n) : Tolerances.EXACT;
        assertAgrees(what, want.toDoubleArray(), out, bound);
        assertOnlyViewWritten(what, out);
    }

    private static double[] absSums(Tensor x, int[] dims, int[] outShape) {
        Tensor a = Differential.f64(outShape);
        RowsReference.reduce(ReduceOp.SUM, x.to(DType.F64).abs().asView(), dims, viewOf(a));
        return a.toDoubleArray();
    }

    /** sum, amax, amin, mean and max along a dimension through the Tensor API, on views, against float64. */
    @Test
    void publicApiOnViewsAgreesWithFloat64() {
        int rows = 7;
        int cols = 3 * Differential.LANES + 1;
        for (Regime regime : new Regime[] {Regime.NORMAL, Regime.LARGE, Regime.OFFSET, Regime.NAN, Regime.MASKED}) {
            float[] v = Differential.rows(regime, rnd, rows, cols);
            for (Layout layout : Layout.values()) {
                Tensor x = Differential.place(layout, v, rows, cols);
                Tensor x64 = x.to(DType.F64);
                for (int dim : new int[] {0, 1}) {
                    String what = regime + " " + layout + " dim=" + dim;
                    int n = x.size(dim);
                    double[] mag = x64.abs().sum(new int[] {dim}, false).toDoubleArray();
                    assertAgrees("sum " + what, x64.sum(new int[] {dim}, false).toDoubleArray(), x.sum(new int[] {dim}, false),
                            Tolerances.sum(mag, n));
                    double[] meanMag = x64.abs().mean(new int[] {dim}, false).toDoubleArray();
                    assertAgrees("mean " + what, x64.mean(new int[] {dim}, false).toDoubleArray(), x.mean(new int[] {dim}, false),
                            i -> Tolerances.sum(meanMag, n).at(i) + 2 * Differential.U * meanMag[i]);
                    assertAgrees("max " + what, x64.max(dim, false).toDoubleArray(), x.max(dim, false), Tolerances.EXACT);
                    assertAgrees("min " + what, x64.min(dim, false).toDoubleArray(), x.min(dim, false), Tolerances.EXACT);
                    assertAgrees("argmax " + what, x64.argmax(dim, false).toDoubleArray(), x.argmax(dim, false), Tolerances.EXACT);
                }
            }
        }
    }

    /** PyTorch 1.13: max and min of a row holding NaN are NaN wherever the NaN is; a sum with +inf and -inf is NaN. */
    @Test
    void nanAndInfinitiesFollowPyTorch() {
        for (int n : new int[] {1, Differential.LANES, 2 * Differential.LANES + 3}) {
            for (int at = 0; at < n; at++) {
                float[] v = new float[n];
                for (int j = 0; j < n; j++) {
                    v[j] = j - 2.5f;
                }
                v[at] = Float.NaN;
                for (ReduceOp op : OPS) {
                    Tensor out = Tensor.zeros(1, 1);
                    assertTaken("NaN row", Chosen.reduce(op, Tensor.of(v, 1, n), new int[] {1}, out), true);
                    Differential.assertExactly(op + " with NaN at " + at + " of " + n, new double[] {Double.NaN}, out);
                }
                v[at] = Float.POSITIVE_INFINITY;
                v[n - 1 - at] = n == 1 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                Tensor out = Tensor.zeros(1, 1);
                Chosen.reduce(ReduceOp.SUM, Tensor.of(v, 1, n), new int[] {1}, out);
                double want = n == 1 ? Double.POSITIVE_INFINITY : at == n - 1 - at ? Float.NEGATIVE_INFINITY : Double.NaN;
                Differential.assertExactly("sum of +inf and -inf at " + at + " of " + n, new double[] {want}, out);
            }
        }
        int[] s = {2, 2};
        Tensor x = Tensor.of(new float[] {Float.NaN, 1, 2, 3}, s);
        Tensor out = Tensor.zeros(Shape.numel(s) / 2, 1).reshape(1, 2);
        Chosen.reduce(ReduceOp.SUM, x, new int[] {0}, out);
        Differential.assertExactly("column sum with NaN", new double[] {Double.NaN, 4}, out);
    }
}
