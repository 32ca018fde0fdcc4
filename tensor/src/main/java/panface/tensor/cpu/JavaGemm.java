package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A pure-Java float32 GEMM with the Vector API, used when OpenBLAS cannot be loaded: operands are
 * packed into row-major panels, then a 4-row by two-vector register-blocked kernel runs over row
 * blocks in parallel.
 */
final class JavaGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 4;
    private static final int NR = 2 * L;
    private static final int KC = 256;

    private JavaGemm() {
    }

    /**
     * Row-major C[co..] = alpha op(A) op(B) + beta C with leading dimensions; op is a transpose when
     * the flag is set (A stored as K x M, B as N x K).
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo,
                      int ldb, float beta, float[] c, int co, int ldc) {
        // pack op(A) as (m, k) and op(B) as (k, n), row-major
        float[] pa = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                pa[i * k + p] = transA ? a[ao + p * lda + i] : a[ao + i * lda + p];
            }
        }
        int np = (n + NR - 1) / NR * NR;
        float[] pb = new float[k * np];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                pb[p * np + j] = transB ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
            }
        }
        int rowBlocks = (m + MR - 1) / MR;
        Parallel.forRange(rowBlocks, Math.max(1, 65536 / Math.max(1, n * k / 64 + 1)), (lo, hi) -> {
            float[] acc = new float[MR * np];
            for (int rb = lo; rb < hi; rb++) {
                int i0 = rb * MR;
                int rows = Math.min(MR, m - i0);
                java.util.Arrays.fill(acc, 0f);
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int p1 = Math.min(k, p0 + KC);
                    for (int j = 0; j < np; j += NR) {
                        kernel(pa, k, i0, rows, pb, np, j, p0, p1, acc);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int crow = co + (i0 + r) * ldc;
                    for (int j = 0; j < n; j++) {
                        float v = alpha * acc[r * np + j];
                        c[crow + j] = beta == 0f ? v : v + beta * c[crow + j];
                    }
                }
            }
        });
    }

    private static void kernel(float[] pa, int k, int i0, int rows, float[] pb, int np, int j, int p0, int p1, float[] acc) {
        FloatVector c00 = FloatVector.fromArray(S, acc, j);
        FloatVector c01 = FloatVector.fromArray(S, acc, j + L);
        FloatVector c10 = FloatVector.fromArray(S, acc, np + j);
        FloatVector c11 = FloatVector.fromArray(S, acc, np + j + L);
        FloatVector c20 = FloatVector.fromArray(S, acc, 2 * np + j);
        FloatVector c21 = FloatVector.fromArray(S, acc, 2 * np + j + L);
        FloatVector c30 = FloatVector.fromArray(S, acc, 3 * np + j);
        FloatVector c31 = FloatVector.fromArray(S, acc, 3 * np + j + L);
        int r1 = rows > 1 ? 1 : 0;
        int r2 = rows > 2 ? 2 : 0;
        int r3 = rows > 3 ? 3 : 0;
        for (int p = p0; p < p1; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, p * np + j);
            FloatVector b1 = FloatVector.fromArray(S, pb, p * np + j + L);
            FloatVector a0 = FloatVector.broadcast(S, pa[i0 * k + p]);
            FloatVector a1 = FloatVector.broadcast(S, pa[(i0 + r1) * k + p]);
            FloatVector a2 = FloatVector.broadcast(S, pa[(i0 + r2) * k + p]);
            FloatVector a3 = FloatVector.broadcast(S, pa[(i0 + r3) * k + p]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        c00.intoArray(acc, j);
        c01.intoArray(acc, j + L);
        if (rows > 1) {
            c10.intoArray(acc, np + j);
            c11.intoArray(acc, np + j + L);
        }
        if (rows > 2) {
            c20.intoArray(acc, 2 * np + j);
            c21.intoArray(acc, 2 * np + j + L);
        }
        if (rows > 3) {
            c30.intoArray(acc, 3 * np + j);
            c31.intoArray(acc, 3 * np + j + L);
        }
    }
}
