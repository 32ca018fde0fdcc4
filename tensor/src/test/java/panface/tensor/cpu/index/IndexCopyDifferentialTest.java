package panface.tensor.cpu.index;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;
import panface.tensor.cpu.elementwise.CopyKernels;
import panface.tensor.cpu.runtime.CpuStorage;

/**
 * The float32 fast paths of the data-movement kernels against their double paths: row selection
 * (embeddings) and row accumulation with repeated indices (Partial FC's gradients) in
 * IndexKernels, and copies between every pair of layouts in CopyKernels (bulk, row by row,
 * converting). Copies and selections are exact, NaN payloads and infinities included; repeated
 * accumulation rounds once per addition.
 */
class IndexCopyDifferentialTest {
    private final SplittableRandom rnd = new SplittableRandom(41);

    @Test
    void rowSelectionAndAccumulationAgree() {
        for (int cols : new int[] {1, Differential.LANES + 1, 300}) {
            for (Regime regime : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.NAN, Regime.POS_INF}) {
                int rows = 37;
                float[] v = Differential.rows(regime, rnd, rows, cols);
                long[] idx = new long[2 * rows + 3];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = rnd.nextInt(rows);
                }
                Tensor index = Tensor.of(idx, idx.length);
                String what = regime + " cols=" + cols;
                Tensor x = Differential.place(Layout.OFFSET, v, rows, cols);
                Tensor want = Differential.f64(idx.length, cols);
                IndexKernels.indexSelect(x.to(DType.F64).asView(), 0, viewOf(index), viewOf(want));
                Tensor got = Differential.empty(Layout.OFFSET, DType.F32, idx.length, cols);
                IndexKernels.indexSelect(viewOf(x), 0, viewOf(index), viewOf(got));
                assertAgrees("indexSelect " + what, want.toDoubleArray(), got, Tolerances.EXACT);
                assertOnlyViewWritten("indexSelect " + what, got);

                // accumulate the selected rows back: every row receives about two, in float32 one at a time
                float[] src = Differential.rows(regime, rnd, idx.length, cols);
                Tensor s = Tensor.of(src, idx.length, cols);
                Tensor acc64 = x.to(DType.F64);
                IndexKernels.indexAdd(viewOf(acc64), 0, viewOf(index), s.to(DType.F64).asView());
                Tensor mag = x.to(DType.F64).abs();
                IndexKernels.indexAdd(viewOf(mag), 0, viewOf(index), s.to(DType.F64).abs().asView());
                int[] hits = new int[rows];
                for (long i : idx) {
                    hits[(int) i]++;
                }
                Tensor acc = Differential.place(Layout.OFFSET, v, rows, cols);
                IndexKernels.indexAdd(viewOf(acc), 0, viewOf(index), viewOf(s));
                double[] md = mag.toDoubleArray();
                assertAgrees("indexAdd " + what, acc64.toDoubleArray(), acc, i -> hits[i / cols] * Differential.U * md[i] + Float.MIN_NORMAL);
                assertOnlyViewWritten("indexAdd " + what, acc);
            }
        }
    }

    @Test
    void copiesBetweenLayoutsAreExact() {
        int rows = 5;
        for (int cols : new int[] {1, Differential.LANES + 1, 2 * 1021}) {
            float[] v = Differential.rows(Regime.NAN, rnd, rows, cols);
            v[0] = Float.intBitsToFloat(0x7fc01234);
            v[v.length - 1] = Float.NEGATIVE_INFINITY;
            for (Layout from : Layout.values()) {
                for (Layout to : Layout.values()) {
                    Tensor src = Differential.place(from, v, rows, cols);
                    Tensor dst = Differential.empty(to, DType.F32, rows, cols);
                    CopyKernels.copy(viewOf(src), viewOf(dst));
                    String what = "copy " + from + " -> " + to + " cols=" + cols;
                    assertAgrees(what, Differential.widen(v), dst, Tolerances.EXACT);
                    assertOnlyViewWritten(what, dst);
                    Tensor wide = Differential.empty(to, DType.F64, rows, cols);
                    CopyKernels.copy(viewOf(src), viewOf(wide));
                    assertAgrees(what + " to float64", Differential.widen(v), wide, Tolerances.EXACT);
                }
            }
            // a large contiguous copy goes in parallel chunks
            float[] big = Differential.normal(rnd, 3 * CpuStorage.BULK_GRAIN + 5, 1);
            Tensor dst = Differential.empty(Layout.OFFSET, DType.F32, big.length);
            CopyKernels.copy(Differential.place(Layout.OFFSET, big, big.length).asView(), viewOf(dst));
            assertAgrees("bulk copy", Differential.widen(big), dst, Tolerances.EXACT);
            assertOnlyViewWritten("bulk copy", dst);
        }
    }
}
