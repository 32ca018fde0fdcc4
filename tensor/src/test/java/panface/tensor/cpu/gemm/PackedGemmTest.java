package panface.tensor.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.cpu.runtime.CacheSize;
import panface.tensor.random.Generator;

/**
 * Products with a packed weight, and large products with the columns split between threads,
 * against a plain double-precision product: edge panels in every dimension, several depth, row and
 * column blocks, transposed operands, and beta 0 (over NaNs), 1 and other.
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

    @Test
    void packingInParallelLaysOutEveryBlockAsOpenBlasDoes() {
        assumeTrue(PackedGemm.available());
        var kern = PackedGemm.kernels();
        // our packing (in parallel, by vectors for row-major B) against OpenBLAS's routine: tails
        // of every panel width, several depth and column blocks, power-of-two rows, both layouts of B
        int[][] sizes = {{1, 1}, {3, 17}, {450, 131}, {1000, 1000}, {2000, 37}, {64, 2050}, {512, 1024}};
        for (int[] s : sizes) {
            int k = s[0];
            int n = s[1];
            for (boolean trans : new boolean[] {false, true}) {
                int ld = (trans ? k : n) + 2;
                float[] b = rnd(3 + ld * (trans ? n : k));
                PackedWeight w = new PackedWeight(b, 3, ld, trans, k, n);
                int[] cols = w.columnStarts();
                for (int kb = 0; kb < PackedGemm.kBlocks(k); kb++) {
                    for (int nb = 0; nb + 1 < cols.length; nb++) {
                        int k0 = PackedGemm.kStart(k, kb);
                        int kl = PackedGemm.kEnd(k, kb) - k0;
                        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                            var one = arena.allocate(4L * kl * (cols[nb + 1] - cols[nb]), 64);
                            // OpenBLAS's own packing routine for the block, in one call
                            var src = java.lang.foreign.MemorySegment.ofArray(b);
                            if (trans) {
                                kern.packAContiguousDepth(kl, cols[nb + 1] - cols[nb], src.asSlice(4L * (3 + (long) cols[nb] * ld + k0)), ld, one);
                            } else {
                                kern.packAContiguousRows(kl, cols[nb + 1] - cols[nb], src.asSlice(4L * (3 + (long) k0 * ld + cols[nb])), ld, one);
                            }
                            assertEquals(-1L, one.mismatch(w.block(kb, nb)), "k=" + k + " n=" + n + " trans=" + trans + " block " + kb + "," + nb);
                        }
                    }
                }
            }
        }
    }

    @Test
    void largeProductsThroughTheSharedPackingMatchAPlainProduct() {
        assumeTrue(PackedGemm.available());
        // above Gemm.SHARED_PACK_FLOPS with rows for every thread: one product packs B once for all
        // threads (with one thread it takes the plain path, and must agree all the same)
        int m = 300;
        int k = 1000;
        int n = 131;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                panface.tensor.Tensor a = panface.tensor.Tensor.of(rnd(m * k), transA ? new int[] {k, m} : new int[] {m, k});
                panface.tensor.Tensor b = panface.tensor.Tensor.of(rnd(k * n), transB ? new int[] {n, k} : new int[] {k, n});
                panface.tensor.Tensor c = (transA ? a.transpose(0, 1) : a).matmul(transB ? b.transpose(0, 1) : b);
                double[] av = (transA ? a.transpose(0, 1) : a).contiguous().toDoubleArray();
                double[] bv = (transB ? b.transpose(0, 1) : b).contiguous().toDoubleArray();
                float[] cv = c.toFloatArray();
                for (int i = 0; i < m; i += 7) {
                    for (int j = 0; j < n; j++) {
                        double want = 0;
                        for (int p = 0; p < k; p++) {
                            want += av[i * k + p] * bv[p * n + j];
                        }
                        assertEquals(want, cv[i * n + j], 1e-4 * Math.sqrt(k), "transA=" + transA + " transB=" + transB + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    /** A product C = alpha op(A) op(B) + beta C on raw arrays. */
    @FunctionalInterface
    private interface Driver {
        void run(int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
                 float beta, float[] c, int co, int ldc);
    }

    /** The prepacked-weight driver: B packed first, then the product. */
    private static final Driver PREPACKED = (m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, beta, c, co, ldc) ->
            PackedGemm.gemm(m, alpha, a, ao, lda, transA, new PackedWeight(b, bo, ldb, transB, k, n), beta, c, co, ldc);

    @Test
    void splittingTheColumnsMatchesAPlainProduct() {
        assumeTrue(PackedGemm.available());
        // m, k, n: row and column tails, several depth blocks, several column blocks a thread,
        // fewer columns than threads can share, no depth at all
        int[][] sizes = {{37, 29, 53}, {70, 1000, 131}, {13, 450, 2000}, {66, 8, 17}, {5, 0, 40}};
        for (int[] s : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 1f, 0.5f}) {
                        check(s[0], s[1], s[2], transA, transB, beta, PackedGemm::gemmSplitColumns);
                    }
                }
            }
        }
        // taller than one chunk of packed A: chunks of 24 rows, the last one short
        for (boolean transA : new boolean[] {false, true}) {
            for (float beta : new float[] {0f, 0.5f}) {
                check(70, 500, 131, transA, true, beta, (m, n, k, alpha, a, ao, lda, ta, b, bo, ldb, tb, bt, c, co, ldc) ->
                        PackedGemm.gemmSplitColumns(m, n, k, alpha, a, ao, lda, ta, b, bo, ldb, tb, bt, c, co, ldc, 24L * k + 5));
            }
        }
    }

    @Test
    void largeProductsChooseTheirSplitByTheSizeOfB() {
        long l2 = CacheSize.l2Bytes();
        assertTrue(l2 > 0);
        // B of 2 x 2048 x 2048 floats outgrows any two second-level caches; 64 x 64 fits all
        assertTrue(Gemm.splitColumns(2, 2048, 2048, (int) Math.max(2048, l2)));
        assertTrue(!Gemm.splitColumns(2, 64, 64, 64));
        // too few columns to give each thread a share
        assertTrue(!Gemm.splitColumns(2, 2048, 100, 1 << 22));
        // C with twice as many rows as columns (a weight gradient over many tokens): A is the larger operand
        assertTrue(!Gemm.splitColumns(2, 1024, 256, 4608));
        assertTrue(Gemm.splitColumns(2, 256, 1024, 4608));
    }

    private void check(int m, int k, int n, boolean transA, boolean transB, float beta) {
        check(m, k, n, transA, transB, beta, PREPACKED);
    }

    private void check(int m, int k, int n, boolean transA, boolean transB, float beta, Driver driver) {
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
        float alpha = 0.75f;
        driver.run(m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, beta, c, co, ldc);
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
