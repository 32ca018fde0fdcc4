package panface.tensor.cpu.gemm;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import panface.nativebindings.NativeLibraryException;
import panface.nativebindings.openblas.OpenBlas;
import panface.tensor.DType;
import panface.tensor.RuntimeConfig;
import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.elementwise.CopyKernels;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.elementwise.VecUnary;
import panface.tensor.cpu.runtime.CacheSize;
import panface.tensor.cpu.runtime.NativeScratch;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.Strided;

/**
 * Batched GEMM on the CPU: OpenBLAS ({@code cblas_sgemm}/{@code cblas_dgemm} on the heap arrays,
 * transposed views passed as transpose flags without copies), or {@link JavaGemm} when OpenBLAS
 * cannot be loaded. OpenBLAS runs single-threaded: the backend's own pool splits each product (or
 * a batch of them) across its threads, so GEMMs and the other kernels share one set of threads.
 */
public final class Gemm {
    private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);
    private static final OpenBlas BLAS = loadBlas();

    private Gemm() {
    }

    private static OpenBlas loadBlas() {
        try {
            OpenBlas b = OpenBlas.get();
            b.setNumThreads(1);
            return b;
        } catch (NativeLibraryException e) {
            LOG.info("OpenBLAS is not available, GEMM uses the pure-Java Vector API kernel ({})", e.getMessage().replace('\n', ' '));
            return null;
        }
    }

    /** "OpenBLAS ..." or the Java fallback and why. */
    public static String describe() {
        if (BLAS != null) {
            String packed = PackedGemm.describe();
            return "OpenBLAS (" + BLAS.config().trim() + "), single-threaded calls split across " + Parallel.threads() + " threads"
                    + (packed == null ? "" : "; prepacked weights with its " + packed);
        }
        NativeLibraryException f = OpenBlas.failure();
        return "Java Vector API kernel (OpenBLAS unavailable: " + (f == null ? "?" : f.getMessage().replace('\n', ' ')) + ")";
    }

    /** How an operand's last two dimensions map onto a row-major BLAS argument, or null when it needs a copy. */
    private record Layout(boolean trans, int ld) {
        static Layout of(int rows, int cols, int rowStride, int colStride) {
            if (colStride == 1 && (rowStride >= Math.max(1, cols) || rows == 1)) {
                return new Layout(false, Math.max(Math.max(1, cols), rowStride));
            }
            if (rowStride == 1 && (colStride >= Math.max(1, rows) || cols == 1)) {
                return new Layout(true, Math.max(Math.max(1, rows), colStride));
            }
            return null;
        }
    }

    /** Whether OpenBLAS was loaded (float64 products need it). */
    public static boolean hasBlas() {
        return BLAS != null;
    }

    /**
     * Computes the product for the dtypes {@link panface.tensor.cpu.CpuKernel#MATMUL_GEMM} states; false when the
     * output's last two dimensions are transposed or no layout fits.
     */
    public static boolean matmul(View a, View b, View out, double alpha, double beta) {
        DType t = out.dtype();
        int r = out.dim();
        int m = out.size(-2);
        int n = out.size(-1);
        int k = a.size(-1);
        if (m == 0 || n == 0) {
            return true;
        }
        Layout lo = Layout.of(m, n, out.stride(-2), out.stride(-1));
        if (lo == null || lo.trans()) {
            return false;
        }
        Layout la = Layout.of(m, k, a.stride(-2), a.stride(-1));
        Layout lb = Layout.of(k, n, b.stride(-2), b.stride(-1));
        if (la == null) {
            return matmul(CopyKernels.contiguous(a), b, out, alpha, beta);
        }
        if (lb == null) {
            return matmul(a, CopyKernels.contiguous(b), out, alpha, beta);
        }
        int[] batch = Arrays.copyOf(out.shape(), r - 2);
        int[] aOff = Strided.offsets(batch, Arrays.copyOf(a.strides(), r - 2), a.offset());
        int[] bOff = Strided.offsets(batch, Arrays.copyOf(b.strides(), r - 2), b.offset());
        int[] oOff = Strided.offsets(batch, Arrays.copyOf(out.strides(), r - 2), out.offset());
        Object aa = Ref.storage(a).array();
        Object ba = Ref.storage(b).array();
        Object oa = Ref.storage(out).array();
        int count = oOff.length;
        if (BLAS == null) {
            for (int i = 0; i < count; i++) {
                JavaGemm.sgemm(la.trans(), lb.trans(), m, n, k, (float) alpha, (float[]) aa, aOff[i], la.ld(), (float[]) ba, bOff[i], lb.ld(),
                        (float) beta, (float[]) oa, oOff[i], lo.ld());
            }
            return true;
        }
        if (m == 1 && t == DType.F32) {
            // a row times a matrix is a matrix-vector product: stream the matrix once (GEMV), which
            // GEMM kernels do poorly for a single row (the face ViT head: 1 x 36864 x 512); the
            // output columns are split across the pool
            int parts = partsFor(2.0 * n * k * count, n, count);
            Parallel.forRange(count * parts, 1, (from, to) -> {
                for (int idx = from; idx < to; idx++) {
                    int i = idx / parts;
                    int c0 = bound(n, parts, idx % parts, 8);
                    int c1 = bound(n, parts, idx % parts + 1, 8);
                    if (c1 > c0) {
                        gemv(la, lb, c1 - c0, k, alpha, (float[]) aa, aOff[i], (float[]) ba, bOff[i] + (lb.trans() ? c0 * lb.ld() : c0), beta,
                                (float[]) oa, oOff[i] + c0);
                    }
                }
            });
            return true;
        }
        // OpenBLAS runs single-threaded and the pool splits the work: whole matrices of a batch
        // across threads, else each product into row (or column) blocks, so one set of threads
        // serves GEMMs and the other kernels alike (OpenBLAS's own threads spin after each call
        // and would compete with the pool for the cores)
        int parts = partsFor(2.0 * m * n * k * count, Math.max(m, n), count);
        if (parts > 1 && count == 1 && t == DType.F32 && m >= 64 * parts && 2.0 * m * n * k >= SHARED_PACK_FLOPS && PackedGemm.available()) {
            // one large product: the threads pack the shared operand once, side by side, where split
            // cblas_sgemm calls would each pack all of B again; B is shared with the rows split, A
            // with the columns split
            if (splitColumns(parts, m, n, k)) {
                PackedGemm.gemmSplitColumns(m, n, k, (float) alpha, (float[]) aa, aOff[0], la.ld(), la.trans(), (float[]) ba, bOff[0], lb.ld(),
                        lb.trans(), (float) beta, (float[]) oa, oOff[0], lo.ld());
            } else {
                sharedPack(la, lb, m, n, k, (float) alpha, (float[]) aa, aOff[0], (float[]) ba, bOff[0], (float) beta, (float[]) oa, oOff[0], lo.ld());
            }
            return true;
        }
        boolean splitRows = m >= n;
        int align = t == DType.F32 ? 16 : 8;
        Parallel.forRange(count * parts, 1, (from, to) -> {
            for (int idx = from; idx < to; idx++) {
                int i = idx / parts;
                int p = idx % parts;
                if (splitRows) {
                    int r0 = bound(m, parts, p, align);
                    int r1 = bound(m, parts, p + 1, align);
                    if (r1 > r0) {
                        blas(t, la, lb, r1 - r0, n, k, alpha, aa, aOff[i] + (la.trans() ? r0 : r0 * la.ld()), ba, bOff[i], beta, oa,
                                oOff[i] + r0 * lo.ld(), lo.ld());
                    }
                } else {
                    int c0 = bound(n, parts, p, align);
                    int c1 = bound(n, parts, p + 1, align);
                    if (c1 > c0) {
                        blas(t, la, lb, m, c1 - c0, k, alpha, aa, aOff[i], ba, bOff[i] + (lb.trans() ? c0 * lb.ld() : c0), beta, oa,
                                oOff[i] + c0, lo.ld());
                    }
                }
            }
        });
        return true;
    }

    /** The weight (out, in) packed for {@link PackedGemm}, or null when it is not float32 or the kernels are unavailable. */
    public static Object prepack(View weight) {
        if (!PackedGemm.available() || weight.dtype() != DType.F32 || weight.dim() != 2 || weight.numel() == 0) {
            return null;
        }
        View w = CopyKernels.contiguous(weight);
        return new PackedWeight((float[]) Ref.storage(w).array(), w.offset(), w.size(1), true, w.size(1), w.size(0));
    }

    /** From this many flops, one product split across threads packs B once for all of them (see {@link #matmul}). */
    static final double SHARED_PACK_FLOPS = RuntimeConfig.startup().gemmSharedPackFlops();

    private static final Boolean SPLIT_COLUMNS = RuntimeConfig.startup().gemmSplitColumns();

    /**
     * Whether one large product splits the columns of C between the threads rather than the rows.
     * With the rows split, every thread reads all of the packed B, block after block into its
     * second-level cache; once B outgrows those caches together, each thread reading only its
     * share of B (and all of A, packed once for all) is faster: 4-6% from 1536^3 to 3072^3, and
     * as much in the face ViT's larger layers (4608 x 768 x 3072). While B fits (1024^3: 4 MiB
     * against two 2 MiB caches; the training products of the small ViT), the row split keeps each
     * thread's rows of A in its cache across B's blocks and is faster. So does it where C has at
     * least twice as many rows as columns (m rows of A against B's n columns: the weight
     * gradients of the face ViT's qkv and fc1 layers, 768 or 1024 x 256 over 4608 tokens): with the
     * columns split, both threads read all of A, the larger operand. -Dpanface.gemm.splitColumns
     * = true/false forces either.
     */
    static boolean splitColumns(int parts, int m, int n, int k) {
        if (SPLIT_COLUMNS != null) {
            return SPLIT_COLUMNS;
        }
        return n >= 64 * parts && 4L * k * n > parts * CacheSize.l2Bytes() && 2L * n > m;
    }

    private static void sharedPack(Layout la, Layout lb, int m, int n, int k, float alpha, float[] a, int ao, float[] b, int bo, float beta,
                                   float[] c, int co, int ldc) {
        NativeScratch.Buffer buf = NativeScratch.take(PackedWeight.floats(k, n));
        try {
            PackedWeight w = new PackedWeight(b, bo, lb.ld(), lb.trans(), k, n, buf.segment());
            PackedGemm.gemm(m, alpha, a, ao, la.ld(), la.trans(), w, beta, c, co, ldc);
        } finally {
            NativeScratch.give(buf);
        }
    }

    /**
     * out = residual + act(x @ W^T + bias) with a packed W, the bias, activation and residual
     * applied by the driver to each block of finished rows (see {@link PackedGemm.Epilogue}); false
     * when the operands do not suit it (float32, contiguous rows; a single row goes to GEMV).
     */
    public static boolean linearPrepacked(View x, Object packed, View bias, UnaryOp act, double a, View residual, View out) {
        if (!(packed instanceof PackedWeight w) || x.dtype() != DType.F32 || out.dtype() != DType.F32 || x.dim() != 2 || out.dim() != 2) {
            return false;
        }
        int m = x.size(0);
        int n = w.n();
        if (m < 2 || x.size(1) != w.k() || out.size(0) != m || out.size(1) != n || !VecElementwise.f32Contiguous(out)
                || (bias != null && (bias.dim() != 1 || bias.size(0) != n || !VecElementwise.f32Contiguous(bias)))
                || (residual != null && (residual.dim() != 2 || residual.size(0) != m || residual.size(1) != n || !VecElementwise.f32Contiguous(residual)))
                || (act != null && !VecUnary.supports(act))) {
            return false;
        }
        Layout la = Layout.of(m, w.k(), x.stride(0), x.stride(1));
        if (la == null) {
            return false;
        }
        float[] bs = bias == null ? null : (float[]) Ref.storage(bias).array();
        int bo = bias == null ? 0 : bias.offset();
        float[] rs = residual == null ? null : (float[]) Ref.storage(residual).array();
        int ro = residual == null ? 0 : residual.offset();
        VecUnary.Loops loop = act == null ? null : VecUnary.of(act);
        float fa = (float) a;
        int oo = out.offset();
        PackedGemm.Epilogue epilogue = bs == null && rs == null && loop == null ? null : (c, co, ldc, r0, r1, cols) -> {
            for (int r = r0; r < r1; r++) {
                int at = co + r * ldc;
                if (bs != null) {
                    VecElementwise.rowVV(BinaryOp.ADD, c, at, bs, bo, c, at, cols);
                }
                if (loop != null) {
                    loop.forward(c, at, c, at, 0, cols, fa, 0f);
                }
                if (rs != null) {
                    VecElementwise.rowVV(BinaryOp.ADD, c, at, rs, ro + (at - oo), c, at, cols);
                }
            }
        };
        PackedGemm.gemm(m, 1f, (float[]) Ref.storage(x).array(), x.offset(), la.ld(), la.trans(), w, 0f, (float[]) Ref.storage(out).array(), oo,
                n, epilogue);
        return true;
    }

    /** Below this many flops a product runs on the calling thread (waking the pool costs more). */
    static final double PARALLEL_FLOPS = RuntimeConfig.startup().gemmParallelFlops();

    /** Blocks per matrix: 1 when the batch alone fills the pool or the work is small. */
    private static int partsFor(double flops, int splitDim, int count) {
        int threads = Parallel.threads();
        if (threads <= 1 || flops < PARALLEL_FLOPS || count >= threads) {
            return 1;
        }
        return Math.max(1, Math.min(threads, splitDim / 16));
    }

    /** The start of block p of parts over [0, n), rounded to a multiple of align (the end for p = parts). */
    public static int bound(int n, int parts, int p, int align) {
        if (p >= parts) {
            return n;
        }
        long b = (long) n * p / parts;
        return (int) Math.min(n, (b + align / 2) / align * align);
    }

    /** y[0, rows) of out = alpha * a (1 x k) . B + beta * out, for the column block of B starting at bo. */
    private static void gemv(Layout la, Layout lb, int cols, int k, double alpha, float[] a, int ao, float[] b, int bo, double beta, float[] out,
                             int oo) {
        int trans = lb.trans() ? OpenBlas.NO_TRANS : OpenBlas.TRANS;
        int rows = lb.trans() ? cols : k;
        int width = lb.trans() ? k : cols;
        int incx = la.trans() ? la.ld() : 1;
        BLAS.sgemv(trans, rows, width, (float) alpha, slice(b, bo), lb.ld(), slice(a, ao), incx, (float) beta, slice(out, oo), 1);
    }

    /**
     * Row-major float GEMM on raw arrays (for fused kernels): C = alpha op(A) op(B) + beta C, one
     * single-threaded call (the caller parallelises).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                      float beta, float[] c, int co, int ldc) {
        if (BLAS == null) {
            JavaGemm.sgemm(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc);
            return;
        }
        BLAS.sgemm(transA ? OpenBlas.TRANS : OpenBlas.NO_TRANS, transB ? OpenBlas.TRANS : OpenBlas.NO_TRANS, m, n, k, alpha, slice(a, ao), lda,
                slice(b, bo), ldb, beta, slice(c, co), ldc);
    }

    private static void blas(DType t, Layout la, Layout lb, int m, int n, int k, double alpha, Object a, int ao, Object b, int bo,
                             double beta, Object c, int co, int ldc) {
        int ta = la.trans() ? OpenBlas.TRANS : OpenBlas.NO_TRANS;
        int tb = lb.trans() ? OpenBlas.TRANS : OpenBlas.NO_TRANS;
        if (t == DType.F32) {
            BLAS.sgemm(ta, tb, m, n, k, (float) alpha, slice((float[]) a, ao), la.ld(), slice((float[]) b, bo), lb.ld(), (float) beta,
                    slice((float[]) c, co), ldc);
        } else {
            BLAS.dgemm(ta, tb, m, n, k, alpha, slice((double[]) a, ao), la.ld(), slice((double[]) b, bo), lb.ld(), beta,
                    slice((double[]) c, co), ldc);
        }
    }

    private static MemorySegment slice(float[] a, int offset) {
        return MemorySegment.ofArray(a).asSlice(4L * offset);
    }

    private static MemorySegment slice(double[] a, int offset) {
        return MemorySegment.ofArray(a).asSlice(8L * offset);
    }
}
