package panface.tensor.cpu.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import panface.nativebindings.openblas.OpenBlas;
import panface.nativebindings.openblas.OpenBlasKernels;
import panface.tensor.RuntimeConfig;
import panface.tensor.cpu.runtime.NativeScratch;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Prefetch;

/**
 * Float GEMM with a {@link PackedWeight}: a driver of our own around OpenBLAS's packing routines
 * and kernel. {@code cblas_sgemm} packs B on every call (and in every block when the backend
 * splits a call across threads); with the weight packed once at load, a product only packs its
 * own rows of A. Rows of C are split between the threads, each packing its own rows of A in
 * blocks of {@link #MROWS} rows by {@link #kWidth} depth and reading the shared packed weight, so
 * no packed data moves between cores. For products of few rows (batch-1 inference, where the
 * weight comes from memory) the threads visit the weight's blocks in staggered order and idle
 * threads read the next layer's weight ahead ({@link Prefetch}); an {@link Epilogue} applies a
 * layer's bias, activation and skip connection to finished rows while they are in cache.
 */
public final class PackedGemm {
    private static final Logger LOG = LoggerFactory.getLogger(PackedGemm.class);
    /** The most depth of a packed block (OpenBLAS's Q for the Skylake-X family). */
    public static final int KC = RuntimeConfig.startup().gemmKc();
    /** The most columns of C in one packed block of the weight (OpenBLAS's P for the Skylake-X family). */
    static final int NC = RuntimeConfig.startup().gemmNc();
    /** Rows of A packed at once (OpenBLAS's R blocking). */
    static final int MROWS = RuntimeConfig.startup().gemmMRows();
    private static final OpenBlasKernels K = load();

    private PackedGemm() {
    }

    private static OpenBlasKernels load() {
        if (RuntimeConfig.startup().gemmPackedDisable() || !OpenBlas.isAvailable()) {
            return null;
        }
        OpenBlasKernels k = OpenBlas.get().kernels();
        if (k == null) {
            LOG.debug("OpenBLAS offers no GEMM kernels in a known format for this core; weights are not prepacked");
            return null;
        }
        String problem = SelfCheck.run(k);
        if (problem != null) {
            LOG.warn("OpenBLAS's {} GEMM kernels disagree with a plain product ({}); weights are not prepacked", k.core(), problem);
            return null;
        }
        return k;
    }

    /** True when weights can be packed. */
    public static boolean available() {
        return K != null;
    }

    /** "CORE mxn kernels", or null. */
    static String describe() {
        return K == null ? null : K.core() + " " + K.unrollM() + "x" + K.unrollN() + " kernels";
    }

    public static OpenBlasKernels kernels() {
        return K;
    }

    /** Column block starts over [0, n): blocks of at most {@link #NC}, evenly sized, each a multiple of unroll. */
    static int[] columnBlocks(int n, int unroll) {
        int count = Math.max(1, (n + NC - 1) / NC);
        int width = Math.max(unroll, ((n + count - 1) / count + unroll - 1) / unroll * unroll);
        int blocks = Math.max(1, (n + width - 1) / width);
        int[] starts = new int[blocks + 1];
        for (int b = 0; b <= blocks; b++) {
            starts[b] = Math.min(n, b * width);
        }
        return starts;
    }

    static int kBlocks(int k) {
        return Math.max(1, (k + KC - 1) / KC);
    }

    /** The depth of every block but possibly the last: k split evenly into {@link #kBlocks} blocks, rounded up to 8. */
    static int kWidth(int k) {
        int blocks = kBlocks(k);
        return Math.max(8, ((k + blocks - 1) / blocks + 7) / 8 * 8);
    }

    static int kStart(int k, int kb) {
        return Math.min(k, kb * kWidth(k));
    }

    static int kEnd(int k, int kb) {
        return Math.min(k, (kb + 1) * kWidth(k));
    }

    /** Packs B[k0, k0 + kl) x [n0, n0 + nl) (row-major k x n, or stored n x k when trans) as the kernel's A operand. */
    static void packB(OpenBlasKernels kern, float[] b, int bo, int ldb, boolean trans, int k0, int kl, int n0, int nl, MemorySegment dst) {
        MemorySegment all = MemorySegment.ofArray(b);
        if (trans) {
            kern.packAContiguousDepth(kl, nl, all.asSlice(4L * (bo + (long) n0 * ldb + k0)), ldb, dst);
            return;
        }
        int u = kern.unrollM();
        VectorSpecies<Float> species = u == 16 ? FloatVector.SPECIES_512 : u == 8 ? FloatVector.SPECIES_256 : null;
        int full = species == null ? 0 : nl / u * u;
        if (full > 0) {
            packRowsByVectors(species, b, bo + k0 * ldb + n0, ldb, kl, full, dst);
        }
        if (full < nl) {
            kern.packAContiguousRows(kl, nl - full, all.asSlice(4L * (bo + (long) k0 * ldb + n0 + full)), ldb, dst.asSlice(4L * full * kl));
        }
    }

    /**
     * The whole panels of a row-major block in the kernel's layout: panel j holds, for each depth
     * p, the u floats b[from + p * ldb + j * u ...]. OpenBLAS's routine walks each panel down the
     * rows, which at a power-of-two row stride (1024 or 2048 columns) lands every read in the same
     * cache sets; reading each row once from left to right runs two to three times as fast.
     */
    private static void packRowsByVectors(VectorSpecies<Float> species, float[] b, int from, int ldb, int kl, int width, MemorySegment dst) {
        int u = species.length();
        long panelBytes = 4L * u * kl;
        for (int p = 0; p < kl; p++) {
            int row = from + p * ldb;
            long at = 4L * u * p;
            for (int j = 0; j < width; j += u, at += panelBytes) {
                FloatVector.fromArray(species, b, row + j).intoMemorySegment(dst, at, ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    /** Packs A[m0, m0 + ml) x [k0, k0 + kl) (row-major m x k, or stored k x m when trans) as the kernel's B operand. */
    static void packA(OpenBlasKernels kern, float[] a, int ao, int lda, boolean trans, int k0, int kl, int m0, int ml, MemorySegment dst) {
        MemorySegment all = MemorySegment.ofArray(a);
        if (trans) {
            kern.packBContiguousColumns(kl, ml, all.asSlice(4L * (ao + (long) k0 * lda + m0)), lda, dst);
        } else {
            kern.packBContiguousDepth(kl, ml, all.asSlice(4L * (ao + (long) m0 * lda + k0)), lda, dst);
        }
    }

    /** Work applied to finished rows of C while they are still in cache (a layer's bias, activation, skip connection). */
    @FunctionalInterface
    interface Epilogue {
        /** Rows [r0, r1) of C (from co, leading dimension ldc, n columns) are final: transform them in place. */
        void rows(float[] c, int co, int ldc, int r0, int r1, int n);
    }

    /**
     * Row-major C (m x n) = alpha op(A) W + beta C, where W (k x n) is the packed weight and op(A)
     * is m x k (A stored as k x m with leading dimension lda when transA).
     */
    static void gemm(int m, float alpha, float[] a, int ao, int lda, boolean transA, PackedWeight w, float beta, float[] c, int co, int ldc) {
        gemm(m, alpha, a, ao, lda, transA, w, beta, c, co, ldc, null);
    }

    /**
     * As {@link #gemm(int, float, float[], int, int, boolean, PackedWeight, float, float[], int, int)},
     * then epilogue (when not null) on each block of finished rows. With an epilogue a thread's rows
     * go in blocks of about {@link #EPILOGUE_BYTES} of C, so that scaling C beforehand, the
     * product's passes over it and the epilogue all find it in the core's cache.
     */
    static void gemm(int m, float alpha, float[] a, int ao, int lda, boolean transA, PackedWeight w, float beta, float[] c, int co, int ldc,
                     Epilogue epilogue) {
        int n = w.n();
        int k = w.k();
        if (m <= 0 || n <= 0) {
            return;
        }
        if (m <= PREFETCH_ROWS) {
            learnOrderAndPrefetch(w);
        }
        int kw = kWidth(k);
        int parts = Math.min(Parallel.threads(), Math.max(1, (int) Math.min(m / 4, 2.0 * m * n * k / Gemm.PARALLEL_FLOPS)));
        int rowBlock = epilogue == null ? MROWS : Math.clamp(EPILOGUE_BYTES / (4L * n) / 4 * 4, 64, MROWS);
        Parallel.forRange(parts, 1, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int r0 = Gemm.bound(m, parts, p, 4);
                int r1 = Gemm.bound(m, parts, p + 1, 4);
                if (r1 <= r0) {
                    continue;
                }
                // few rows a thread (one row block): the weight's blocks in staggered order
                boolean stagger = STAGGER && parts > 1 && r1 - r0 <= Math.min(rowBlock, STAGGER_ROWS);
                NativeScratch.Buffer buf = k == 0 ? null : NativeScratch.take((long) kw * Math.min(r1 - r0, rowBlock));
                try {
                    for (int mr = r0; mr < r1; mr += rowBlock) {
                        int ml = Math.min(r1, mr + rowBlock) - mr;
                        scale(c, co + mr * ldc, ldc, ml, n, beta);
                        if (buf != null) {
                            rowBlockProduct(stagger ? p : 0, stagger ? parts : 1, mr, ml, k, alpha, a, ao, lda, transA, w, c, co, ldc, buf.segment());
                        }
                        if (epilogue != null) {
                            epilogue.rows(c, co, ldc, mr, mr + ml, n);
                        }
                    }
                } finally {
                    if (buf != null) {
                        NativeScratch.give(buf);
                    }
                }
            }
        });
    }

    /** The most floats of A packed at once by {@link #gemmSplitColumns} (32 MiB): taller products go in chunks of rows. */
    static final long SPLIT_COLUMNS_PACK_FLOATS = 1L << 23;

    /**
     * Row-major C (m x n) = alpha op(A) op(B) + beta C for one large product whose B is not packed
     * (op(B) k x n: B row-major k x n with leading dimension ldb, or stored n x k when transB),
     * with the columns of C split between the threads. The threads first pack A together (rows
     * split), into one buffer all read; then each packs its own column blocks of B, one at a time
     * into a buffer of its own, and runs the kernel on all those rows with the block fresh in its
     * cache. Each block of B is read from memory once per chunk of rows (up to
     * {@link #SPLIT_COLUMNS_PACK_FLOATS} floats of packed A), where with the rows split every
     * thread reads every block.
     */
    static void gemmSplitColumns(int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb,
                                 boolean transB, float beta, float[] c, int co, int ldc) {
        gemmSplitColumns(m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, beta, c, co, ldc, SPLIT_COLUMNS_PACK_FLOATS);
    }

    /** As above, packing at most packFloats floats of A at once. */
    static void gemmSplitColumns(int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb,
                                 boolean transB, float beta, float[] c, int co, int ldc, long packFloats) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k == 0) {
            scale(c, co, ldc, m, n, beta);
            return;
        }
        int chunk = (int) Math.min(m, Math.max(4, packFloats / k / 4 * 4));
        NativeScratch.Buffer packedA = NativeScratch.take((long) chunk * k);
        try {
            for (int m0 = 0; m0 < m; m0 += chunk) {
                int rows = Math.min(chunk, m - m0);
                packRows(rows, k, a, transA ? ao + m0 : ao + m0 * lda, lda, transA, packedA.segment());
                splitColumns(rows, n, k, alpha, packedA.segment(), b, bo, ldb, transB, beta, c, co + m0 * ldc, ldc);
            }
        } finally {
            NativeScratch.give(packedA);
        }
    }

    /** Packs all m rows of op(A) (m x k) for the kernel, the threads packing rows side by side: depth block kb at kStart(kb) * m. */
    private static void packRows(int m, int k, float[] a, int ao, int lda, boolean transA, MemorySegment pa) {
        int kBlocks = kBlocks(k);
        int parts = Math.min(Parallel.threads(), Math.max(1, m / 4));
        Parallel.forRange(parts, 1, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int r0 = Gemm.bound(m, parts, p, 4);
                int r1 = Gemm.bound(m, parts, p + 1, 4);
                for (int kb = 0; r1 > r0 && kb < kBlocks; kb++) {
                    int k0 = kStart(k, kb);
                    int kl = kEnd(k, kb) - k0;
                    // panels of 4 rows follow each other: rows from r0 start r0 * kl into the block
                    packA(K, a, ao, lda, transA, k0, kl, r0, r1 - r0, pa.asSlice(4L * ((long) k0 * m + (long) r0 * kl)));
                }
            }
        });
    }

    /** C (m x n) = alpha op(A) op(B) + beta C with A packed by {@link #packRows}, the columns split between the threads. */
    private static void splitColumns(int m, int n, int k, float alpha, MemorySegment pa, float[] b, int bo, int ldb, boolean transB, float beta,
                                     float[] c, int co, int ldc) {
        int unroll = K.unrollM();
        int parts = Math.min(Parallel.threads(), Math.max(1, n / unroll));
        MemorySegment cs = MemorySegment.ofArray(c);
        Parallel.forRange(parts, 1, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int c0 = Gemm.bound(n, parts, p, unroll);
                int c1 = Gemm.bound(n, parts, p + 1, unroll);
                if (c1 <= c0) {
                    continue;
                }
                scale(c, co + c0, ldc, m, c1 - c0, beta);
                int[] cols = columnBlocks(c1 - c0, unroll);
                NativeScratch.Buffer packedB = NativeScratch.take((long) kWidth(k) * (cols[1] - cols[0]));
                try {
                    for (int kb = 0; kb < kBlocks(k); kb++) {
                        int k0 = kStart(k, kb);
                        int kl = kEnd(k, kb) - k0;
                        MemorySegment aBlock = pa.asSlice(4L * k0 * m, 4L * kl * m);
                        for (int nb = 0; nb + 1 < cols.length; nb++) {
                            int n0 = c0 + cols[nb];
                            int width = cols[nb + 1] - cols[nb];
                            packB(K, b, bo, ldb, transB, k0, kl, n0, width, packedB.segment());
                            K.kernel(width, m, kl, alpha, packedB.segment(), aBlock, cs.asSlice(4L * (co + n0)), ldc);
                        }
                    }
                } finally {
                    NativeScratch.give(packedB);
                }
            }
        });
    }

    /**
     * The most rows of a product that learns and prefetches the next weight (see {@link Prefetch}):
     * with more, fetching a weight is a small part of its product, and the extra reads compete with
     * the product's own (batch 32 of the face ViT ran slower with them).
     */
    static final int PREFETCH_ROWS = RuntimeConfig.startup().gemmPrefetchRows();
    /**
     * The weight the calling thread used last: each thread learns its own order, so that two
     * models run side by side on different threads do not teach each other's weights as next.
     */
    private static final ThreadLocal<WeakReference<PackedWeight>> LAST_USED = ThreadLocal.withInitial(() -> new WeakReference<>(null));

    /** Records that w follows the weight this thread used before it, and hints the weight that followed w last time. */
    private static void learnOrderAndPrefetch(PackedWeight w) {
        if (!Prefetch.ENABLED || !w.ownsMemory()) {
            return;
        }
        PackedWeight prev = LAST_USED.get().get();
        if (prev != null && prev != w) {
            prev.next(w);
        }
        LAST_USED.set(w.self());
        Prefetch.hint(w.next());
    }

    /** Bytes of C per row block when an epilogue runs (about half of a core's second-level cache). */
    static final long EPILOGUE_BYTES = RuntimeConfig.startup().gemmEpilogueBytes();

    /** Whether threads visit a small product's weight blocks in staggered order (see {@link #rowBlockProduct}). */
    static final boolean STAGGER = RuntimeConfig.startup().gemmStagger();

    /**
     * The most rows per thread for a staggered visit: with more, each weight block serves enough
     * rows that fetching it is a small part of the work, and whole blocks per kernel call are
     * better (the staggered order halves them).
     */
    static final int STAGGER_ROWS = RuntimeConfig.startup().gemmStaggerRows();

    /**
     * C[mr, mr + ml) += alpha op(A) W for one row block, the weight's blocks visited in a rotated
     * order: each of {@code parts} sub-blocks of every block is a unit, and the visit starts a
     * p-th of the way through the units (p = 0, parts = 1: every block whole, in order). At batch 1
     * the weight is not in any core's cache, and every thread reading the same block at the same
     * time would wait for the same memory together; staggered, the threads fetch different blocks
     * side by side and each then finds the other's in the shared cache.
     */
    private static void rowBlockProduct(int p, int parts, int mr, int ml, int k, float alpha, float[] a, int ao, int lda, boolean transA,
                                        PackedWeight w, float[] c, int co, int ldc, MemorySegment pa) {
        int[] cols = w.columnStarts();
        int nBlocks = cols.length - 1;
        int subs = parts;
        int units = kBlocks(k) * nBlocks * subs;
        int unroll = K.unrollM();
        MemorySegment cs = MemorySegment.ofArray(c);
        int packed = -1;
        for (int i = 0; i < units; i++) {
            int u = (int) ((i + (long) units * p / parts) % units);
            int kb = u / (nBlocks * subs);
            int nb = u / subs % nBlocks;
            int sub = u % subs;
            int k0 = kStart(k, kb);
            int kl = kEnd(k, kb) - k0;
            if (kb != packed) {
                packA(K, a, ao, lda, transA, k0, kl, mr, ml, pa);
                packed = kb;
            }
            int n0 = cols[nb];
            int width = cols[nb + 1] - n0;
            int from = Gemm.bound(width, subs, sub, unroll);
            int to = Gemm.bound(width, subs, sub + 1, unroll);
            if (to > from) {
                K.kernel(to - from, ml, kl, alpha, w.block(kb, nb).asSlice(4L * from * kl), pa, cs.asSlice(4L * (co + (long) mr * ldc + n0 + from)), ldc);
            }
        }
    }

    /** C[0, m) x [0, n) *= beta (set to 0 when beta is 0, so NaNs in C do not survive, as BLAS does). */
    private static void scale(float[] c, int co, int ldc, int m, int n, float beta) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int from = co + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, from, from + n, 0f);
            } else {
                for (int j = from; j < from + n; j++) {
                    c[j] *= beta;
                }
            }
        }
    }
}
