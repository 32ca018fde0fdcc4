package panface.tensor.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import panface.tensor.random.Generator;

/**
 * The attention's small products against a plain double-precision product: both operand layouts,
 * offsets and leading dimensions wider than the rows (heads inside a fused buffer), tails of every
 * panel width, C overwritten whatever it held (NaNs, as BLAS's beta = 0), and sizes beyond its
 * packing buffers that go to cblas_sgemm.
 */
class SmallGemmTest {
    private final Generator gen = new Generator(41);

    private float[] rnd(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (2 * gen.nextDouble() - 1);
        }
        return v;
    }

    @Test
    void matchesAPlainProduct() {
        // m, k, n: the face ViT's head products (144 tokens, head width 32), tails of the 8 x 4
        // panels, one row or column, no depth, and sizes above the packing buffers and depth block
        int[][] sizes = {{144, 32, 144}, {144, 144, 32}, {7, 5, 3}, {1, 9, 13}, {13, 1, 1}, {5, 0, 6}, {50, 600, 20}, {300, 300, 300}};
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    check(s[0], s[1], s[2], transA, transB);
                }
            }
        }
    }

    private void check(int m, int k, int n, boolean transA, boolean transB) {
        int lda = (transA ? m : k) + 5;
        int ldb = (transB ? k : n) + 3;
        int ldc = n + 7;
        int ao = 2;
        int bo = 1;
        int co = 3;
        float[] a = rnd(ao + lda * (transA ? k : m));
        float[] b = rnd(bo + ldb * (transB ? n : k));
        float[] c = new float[co + ldc * m];
        java.util.Arrays.fill(c, Float.NaN);
        float alpha = 0.75f;
        SmallGemm.sgemm(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, c, co, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = 0;
                for (int p = 0; p < k; p++) {
                    double x = a[ao + (transA ? p * lda + i : i * lda + p)];
                    double y = b[bo + (transB ? j * ldb + p : p * ldb + j)];
                    want += x * y;
                }
                // float32 sums of k products of values in [-1, 1]: rounding grows about as sqrt(k)
                assertEquals(alpha * want, c[co + i * ldc + j], 1e-5 * (1 + Math.sqrt(k)),
                        m + "x" + k + "x" + n + " transA=" + transA + " transB=" + transB + " at " + i + "," + j);
            }
            // the columns past n in C's leading dimension are not written
            for (int j = n; j < ldc && co + i * ldc + j < c.length; j++) {
                assertEquals(Float.NaN, c[co + i * ldc + j], "written past column n at " + i + "," + j);
            }
        }
    }
}
