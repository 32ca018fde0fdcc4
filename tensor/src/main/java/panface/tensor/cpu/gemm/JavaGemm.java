package panface.tensor.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import panface.tensor.cpu.runtime.Parallel;

/**
 * A pure-Java float32 GEMM with the Vector API, used when OpenBLAS cannot be loaded. Classic
 * blocking: alpha*op(A) is packed row-major once; for each (KC x NC) block of op(B), packed so it
 * stays in L2, a 4-row by two-vector register-blocked kernel runs over the row blocks in parallel
 * and adds its tile into C.
 */
final class JavaGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 4;
    private static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int NC = 512;

    private JavaGemm() {
    }

    /**
     * Row-major C[co..] = alpha op(A) op(B) + beta C with leading dimensions; op is a transpose when
     * the flag is set (A stored as K x M, B as N x K).
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo,
                      int ldb, float beta, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = co + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
        if (k == 0 || alpha == 0f) {
            return;
        }
        float[] pa = new float[m * k];
        Parallel.forRange(m, 64, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int p = 0; p < k; p++) {
                    pa[i * k + p] = alpha * (transA ? a[ao + p * lda + i] : a[ao + i * lda + p]);
                }
            }
        });
        int rowBlocks = (m + MR - 1) / MR;
        float[] pb = new float[KC * ((Math.min(NC, n) + NR - 1) / NR * NR)];
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            for (int j0 = 0; j0 < n; j0 += NC) {
                int nc = Math.min(NC, n - j0);
                int ncp = (nc + NR - 1) / NR * NR;
                for (int p = 0; p < kc; p++) {
                    int dst = p * ncp;
                    for (int j = 0; j < ncp; j++) {
                        pb[dst + j] = j >= nc ? 0f : transB ? b[bo + (j0 + j) * ldb + p0 + p] : b[bo + (p0 + p) * ldb + j0 + j];
                    }
                }
                int fp0 = p0;
                int fj0 = j0;
                Parallel.forRange(rowBlocks, Math.max(1, 8192 / Math.max(1, kc * ncp / 256)), (lo, hi) -> {
                    float[] tile = new float[MR * NR];
                    for (int rb = lo; rb < hi; rb++) {
                        int i0 = rb * MR;
                        int rows = Math.min(MR, m - i0);
                        for (int j = 0; j < ncp; j += NR) {
                            kernel(pa, k, i0, rows, fp0, kc, pb, ncp, j, tile);
                            int cols = Math.min(NR, nc - j);
                            for (int r = 0; r < rows; r++) {
                                int crow = co + (i0 + r) * ldc + fj0 + j;
                                for (int q = 0; q < cols; q++) {
                                    c[crow + q] += tile[r * NR + q];
                                }
                            }
                        }
                    }
                });
            }
        }
    }

    private static void kernel(float[] pa, int k, int i0, int rows, int p0, int kc, float[] pb, int ncp, int j, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int a0 = i0 * k + p0;
        int a1 = (i0 + (rows > 1 ? 1 : 0)) * k + p0;
        int a2 = (i0 + (rows > 2 ? 2 : 0)) * k + p0;
        int a3 = (i0 + (rows > 3 ? 3 : 0)) * k + p0;
        for (int p = 0; p < kc; p++) {
            int bi = p * ncp + j;
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector x0 = FloatVector.broadcast(S, pa[a0 + p]);
            FloatVector x1 = FloatVector.broadcast(S, pa[a1 + p]);
            FloatVector x2 = FloatVector.broadcast(S, pa[a2 + p]);
            FloatVector x3 = FloatVector.broadcast(S, pa[a3 + p]);
            c00 = b0.fma(x0, c00);
            c01 = b1.fma(x0, c01);
            c10 = b0.fma(x1, c10);
            c11 = b1.fma(x1, c11);
            c20 = b0.fma(x2, c20);
            c21 = b1.fma(x2, c21);
            c30 = b0.fma(x3, c30);
            c31 = b1.fma(x3, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
    }
}
