package panface.tensor.cpu.gemm;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.nativebindings.openblas.OpenBlas;
import panface.tensor.Assertions2;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.KernelViews;
import panface.tensor.random.Generator;

/** The fast GEMM paths against the reference kernel, over shapes and layouts. */
class GemmTest {
    private final Generator gen = new Generator(17);

    private Tensor rnd(DType t, int... shape) {
        return Tensor.randn(gen, shape).to(t);
    }

    @Test
    void openBlasLoadsFromTheBundledJar() {
        assertTrue(OpenBlas.isAvailable(), () -> String.valueOf(OpenBlas.failure()));
        assertTrue(Gemm.describe().startsWith("OpenBLAS"), Gemm.describe());
    }

    @Test
    void matchesTheReferenceOnManyLayouts() {
        // the last four are large enough to be split across threads: by rows, by columns, and a
        // matrix-vector product split by output columns (odd sizes, so blocks do not align)
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {64, 1, 40}, {1, 70, 3}, {40, 64, 128}, {150, 70, 97}, {37, 80, 301},
            {1, 3001, 700}, {1, 500, 2003}};
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            double tol = t == DType.F32 ? 1e-4 : 1e-12;
            for (int[] s : sizes) {
                int m = s[0];
                int k = s[1];
                int n = s[2];
                for (int variant = 0; variant < 4; variant++) {
                    Tensor a = (variant & 1) == 0 ? rnd(t, m, k) : rnd(t, k, m).mT();
                    Tensor b = (variant & 2) == 0 ? rnd(t, k, n) : rnd(t, n, k).mT();
                    check(a, b, 1.0, 0.0, tol);
                    check(a, b, 0.5, 2.0, tol);
                }
            }
            // batched, broadcast batch (stride 0), non-zero offsets
            Tensor a = rnd(t, 3, 4, 5, 6).narrow(0, 1, 2);
            Tensor b = rnd(t, 6, 7).unsqueeze(0).unsqueeze(0).expand(2, 4, 6, 7);
            check(a, b, 1.0, 0.0, tol);
            check(rnd(t, 5, 3, 4).transpose(0, 1), rnd(t, 3, 4, 2), 1.0, 1.0, tol);
            check(rnd(t, 4, 9).slice(1, 0, 9, 2), rnd(t, 5, 3), 1.0, 0.0, tol);
        }
    }

    private static void check(Tensor a, Tensor b, double alpha, double beta, double tol) {
        int[] os = a.shape();
        os[os.length - 1] = b.size(-1);
        Tensor init = Tensor.randn(new Generator(3), os).to(a.dtype());
        Tensor want = init.copy();
        Tensor got = init.copy();
        GemmReference.matmul(viewOf(a), viewOf(b), viewOf(want), alpha, beta);
        assertTrue(Chosen.matmul(a, b, got, alpha, beta));
        Assertions2.assertClose(want, got, tol, tol);
    }

    @Test
    void javaKernelMatchesTheReference() {
        int[][] sizes = {{1, 1, 1}, {5, 3, 7}, {33, 17, 70}, {100, 64, 129}};
        for (int[] s : sizes) {
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0;
                boolean tb = (variant & 2) != 0;
                int m = s[0];
                int k = s[1];
                int n = s[2];
                Tensor a = ta ? rnd(DType.F32, k, m) : rnd(DType.F32, m, k);
                Tensor b = tb ? rnd(DType.F32, n, k) : rnd(DType.F32, k, n);
                Tensor c = rnd(DType.F32, m, n);
                Tensor want = c.copy();
                GemmReference.matmul((ta ? a.mT() : a).asView(), (tb ? b.mT() : b).asView(), viewOf(want), 1.5, 0.5);
                float[] out = c.copy().toFloatArray();
                JavaGemm.sgemm(ta, tb, m, n, k, 1.5f, a.toFloatArray(), 0, ta ? m : k, b.toFloatArray(), 0, tb ? k : n, 0.5f, out, 0, n);
                Assertions2.assertClose(want, Tensor.of(out, m, n), 1e-4, 1e-4);
            }
        }
    }
}
