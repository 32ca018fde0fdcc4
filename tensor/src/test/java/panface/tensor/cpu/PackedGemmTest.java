package panface.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.random.Generator;

/**
 * Products with a packed weight against a plain double-precision product: edge panels in every
 * dimension, several depth and row blocks, transposed A, and beta 0 (over NaNs), 1 and other.
 */
class PackedGemmTest {
    private final Generator gen = new Generator(23);

    private float[] rnd(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (2 * gen.nextDouble() - 1);
        }
        return v;
    }

    @Test
    void theKernelsOfThisMachineAreKnownAndPassTheSelfCheck() {
        // a core whose blocking is known (Skylake-X and Haswell/Zen families) must pass the
        // self-check; on other cores weights are not packed and the other tests here are skipped
        assumeTrue(panface.nativebindings.openblas.OpenBlas.isAvailable());
        assumeTrue(panface.nativebindings.openblas.OpenBlas.get().kernels() != null, "OpenBLAS's blocking for this core is not known here");
        assertTrue(PackedGemm.available(), "OpenBLAS's kernels for this core failed the self-check");
        assertTrue(Gemm.describe().contains("prepacked weights"), Gemm.describe());
    }

    @Test
    void matchesAPlainProduct() {
        assumeTrue(PackedGemm.available());
        // m, k, n: tails of every panel width; k above one depth block; m above the row block
        int[][] sizes = {{2, 1, 1}, {5, 3, 17}, {9, 33, 16}, {37, 29, 53}, {144, 256, 768}, {70, 1000, 131}, {1100, 40, 33}, {8, 450, 900}};
        for (int[] s : sizes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 1f, 0.5f}) {
                        check(m, k, n, transA, transB, beta);
                    }
                }
            }
        }
    }

    private void check(int m, int k, int n, boolean transA, boolean transB, float beta) {
        int pad = 3;
        int lda = (transA ? m : k) + pad;
        int ldb = (transB ? k : n) + pad;
        int ldc = n + pad;
        int ao = 5;
        int bo = 7;
        int co = 2;
        float[] a = rnd(ao + lda * (transA ? k : m));
        float[] b = rnd(bo + ldb * (transB ? n : k));
        float[] c = rnd(co + ldc * m);
        float[] c0 = c.clone();
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                c[co + i * ldc] = Float.NaN;
            }
        }
        PackedWeight w = new PackedWeight(b, bo, ldb, transB, k, n);
        float alpha = 0.75f;
        PackedGemm.gemm(m, alpha, a, ao, lda, transA, w, beta, c, co, ldc);
        String what = "m=" + m + " k=" + k + " n=" + n + " transA=" + transA + " transB=" + transB + " beta=" + beta;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n + pad; j++) {
                int at = co + i * ldc + j;
                if (j >= n) {
                    assertEquals(c0[at], c[at], what + ": wrote outside C at (" + i + ", " + j + ")");
                    continue;
                }
                double want = beta == 0f ? 0 : beta * (double) c0[at];
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    double bv = transB ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    want += alpha * av * bv;
                }
                double tol = 1e-5 * (Math.sqrt(k) + 1) * 4;
                int ii = i;
                int jj = j;
                double got = c[at];
                double expected = want;
                assertTrue(Math.abs(got - expected) <= tol, () -> what + ": C(" + ii + ", " + jj + ") = " + got + ", expected " + expected);
            }
        }
    }
}
