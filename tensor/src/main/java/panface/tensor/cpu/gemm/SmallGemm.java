package panface.tensor.cpu.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import panface.nativebindings.openblas.OpenBlasKernels;

/**
 * Single-threaded float GEMM for the small products of the fused attention (one head's T x S
 * scores from a head width of a few dozen, and back): both operands are packed into buffers of
 * the calling thread, kept for all its products, and OpenBLAS's kernel is called directly. At
 * these sizes {@code cblas_sgemm}'s own driver around the same kernel (argument checks, taking
 * its packing buffers, a separate pass that zeroes C) costs about a fifth of the product. Falls
 * back to {@link Gemm#sgemm} where the kernels are not available or a product outgrows the
 * buffers' limit.
 */
public final class SmallGemm {
    /** Floats the kernel may read past the end of a packed operand. */
    private static final int SLACK = 64;
    /** The most floats of one packed operand (a 256 x 256 block, 256 KiB): larger products go to cblas_sgemm. */
    private static final int MAX_PACKED = 1 << 16;

    /** This thread's two packing buffers, each of MAX_PACKED + SLACK floats (its own: the shared scratch pool keeps large buffers). */
    private static final ThreadLocal<MemorySegment[]> BUFFERS = ThreadLocal.withInitial(() -> new MemorySegment[] {
        Arena.ofAuto().allocate(4L * (MAX_PACKED + SLACK), 64), Arena.ofAuto().allocate(4L * (MAX_PACKED + SLACK), 64)});

    private SmallGemm() {
    }

    /**
     * Row-major C (m x n) = alpha op(A) op(B), replacing C (BLAS's beta = 0), with op(A) m x k (A
     * stored k x m when transA) and op(B) k x n (B stored n x k when transB).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                      float[] c, int co, int ldc) {
        OpenBlasKernels kern = PackedGemm.kernels();
        if (kern == null || k > PackedGemm.KC || n > PackedGemm.NC || (long) m * k > MAX_PACKED || (long) k * n > MAX_PACKED) {
            Gemm.sgemm(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, 0f, c, co, ldc);
            return;
        }
        for (int r = 0; r < m; r++) {
            Arrays.fill(c, co + r * ldc, co + r * ldc + n, 0f);
        }
        if (k == 0) {
            return;
        }
        MemorySegment[] buf = BUFFERS.get();
        // row-major C is column-major C^T = op(B)^T op(A)^T: op(B) is the kernel's first operand
        PackedGemm.packB(kern, b, bo, ldb, transB, 0, k, 0, n, buf[1]);
        PackedGemm.packA(kern, a, ao, lda, transA, 0, k, 0, m, buf[0]);
        kern.kernel(n, m, k, alpha, buf[1], buf[0], MemorySegment.ofArray(c).asSlice(4L * co), ldc);
    }
}
