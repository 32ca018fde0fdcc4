package panface.tensor.cuda;

import panface.nativebindings.cublas.CublasHandle;
import panface.tensor.DType;
import panface.tensor.RuntimeConfig;
import panface.tensor.View;
import panface.tensor.backend.UnaryOp;

/**
 * Batched matrix products through cuBLAS (fp32 accumulation for fp32, bf16 and fp16; fp64 for
 * fp64). Row-major products map to cuBLAS's column-major convention by swapping the operands:
 * C^T = B^T A^T. Operands may be transposed views; batch dimensions that collapse to one stride
 * (contiguous, or broadcast with stride 0) make one strided-batched call, others one call per
 * matrix.
 */
final class CudaGemm {
    private final CudaBackend backend;
    private final CudaDevice dev;
    private volatile CublasHandle.Float32Mode f32Mode = RuntimeConfig.startup().cudaTf32() ? CublasHandle.Float32Mode.TF32
            : CublasHandle.Float32Mode.FP32;

    CudaGemm(CudaBackend backend, CudaDevice dev) {
        this.backend = backend;
        this.dev = dev;
    }

    void setFloat32Mode(CublasHandle.Float32Mode mode) {
        f32Mode = mode;
    }

    static int cudaType(DType t) {
        return switch (t) {
            case F32 -> CublasHandle.R_32F;
            case F64 -> CublasHandle.R_64F;
            case F16 -> CublasHandle.R_16F;
            case BF16 -> CublasHandle.R_16BF;
            default -> throw new IllegalArgumentException("no cuBLAS type for " + t);
        };
    }

    void matmul(View a, View b, View out, double alpha, double beta) {
        if (!(a.dtype() == b.dtype() && b.dtype() == out.dtype())) {
            throw new IllegalArgumentException("matmul needs one dtype, got " + a.dtype() + ", " + b.dtype() + " and " + out.dtype());
        }
        if (!a.dtype().isFloating()) {
            integerMatmul(a, b, out, alpha, beta);
            return;
        }
        int r = out.dim();
        int m = out.size(r - 2);
        int n = out.size(r - 1);
        int k = a.size(r - 1);
        if (out.numel() == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0) {
                backend.fill(out, 0.0);
            } else {
                backend.unary(UnaryOp.AFFINE, out, out, beta, 0.0);
            }
            return;
        }
        View o = rowMajor(out) ? out : backend.output(out, beta != 0);
        View ac = form(a) >= 0 ? a : backend.contiguous(a);
        View bc = form(b) >= 0 ? b : backend.contiguous(b);
        int[] batch = java.util.Arrays.copyOf(out.shape(), r - 2);
        long sa = flatStride(batch, ac.strides());
        long sb = flatStride(batch, bc.strides());
        long so = flatStride(batch, o.strides());
        int count = 1;
        for (int s : batch) {
            count *= s;
        }
        boolean transA = form(ac) == 1;
        boolean transB = form(bc) == 1;
        int lda = ld(ac, r, transA, m, k);
        int ldb = ld(bc, r, transB, k, n);
        int ldc = Math.max(o.stride(r - 2), Math.max(1, n));
        int type = cudaType(a.dtype());
        synchronized (this) {
            dev.makeCurrent();
            CublasHandle h = dev.cublas();
            if (sa >= 0 && sb >= 0 && so >= 0) {
                h.gemmStridedBatched(transB, transA, n, m, k, alpha, CudaBackend.start(bc), type, ldb, sb, CudaBackend.start(ac), type, lda,
                        sa, beta, CudaBackend.start(o), type, ldc, so, count, f32Mode);
            } else {
                int es = a.dtype().byteSize();
                int[] idx = new int[batch.length];
                for (int i = 0; i < count; i++) {
                    long oa = 0;
                    long ob = 0;
                    long oo = 0;
                    for (int d = 0; d < batch.length; d++) {
                        oa += (long) idx[d] * ac.stride(d);
                        ob += (long) idx[d] * bc.stride(d);
                        oo += (long) idx[d] * o.stride(d);
                    }
                    h.gemmStridedBatched(transB, transA, n, m, k, alpha, CudaBackend.start(bc) + ob * es, type, ldb, 0,
                            CudaBackend.start(ac) + oa * es, type, lda, 0, beta, CudaBackend.start(o) + oo * es, type, ldc, 0, 1, f32Mode);
                    for (int d = batch.length - 1; d >= 0; d--) {
                        if (++idx[d] < batch[d]) {
                            break;
                        }
                        idx[d] = 0;
                    }
                }
            }
        }
        CudaBackend.release(ac, a);
        CudaBackend.release(bc, b);
        backend.finish(o, out);
    }

    /**
     * 0 when the matrices are row-major with rows far enough apart, 1 when they are column-major
     * (a transposed view), -1 when cuBLAS cannot read them in place.
     */
    private static int form(View t) {
        int r = t.dim();
        int rows = t.size(r - 2);
        int cols = t.size(r - 1);
        if (t.stride(r - 1) == 1 && (rows == 1 || t.stride(r - 2) >= cols)) {
            return 0;
        }
        if (t.stride(r - 2) == 1 && (cols == 1 || t.stride(r - 1) >= rows)) {
            return 1;
        }
        return -1;
    }

    /** Row-major output with unit column stride. */
    private static boolean rowMajor(View t) {
        int r = t.dim();
        return t.stride(r - 1) == 1 && t.stride(r - 2) >= t.size(r - 1);
    }

    /** The leading dimension of an operand of logical shape rows x cols. */
    private static int ld(View t, int r, boolean trans, int rows, int cols) {
        int ld = trans ? t.stride(r - 1) : t.stride(r - 2);
        int min = trans ? rows : cols;
        return Math.max(ld, Math.max(1, min));
    }

    /**
     * The single stride s with offset(batch index i) = i * s over the batch dimensions, or -1
     * when the batch strides do not collapse.
     */
    static long flatStride(int[] batch, int[] strides) {
        long s = -1;
        long inner = 1;
        for (int d = batch.length - 1; d >= 0; d--) {
            if (batch[d] == 1) {
                continue;
            }
            if (s < 0) {
                s = strides[d] / inner;
                if ((long) strides[d] != s * inner) {
                    return -1;
                }
            } else if (strides[d] != s * inner) {
                return -1;
            }
            inner *= batch[d];
        }
        return s < 0 ? 0 : s;
    }

    /** Integer products in float64 (exact below 2^53), converted back. */
    private void integerMatmul(View a, View b, View out, double alpha, double beta) {
        View af = backend.empty(DType.F64, a.shape());
        View bf = backend.empty(DType.F64, b.shape());
        View of = backend.empty(DType.F64, out.shape());
        backend.copy(a, af);
        backend.copy(b, bf);
        backend.copy(out, of);
        matmul(af, bf, of, alpha, beta);
        backend.copy(of, out);
        af.storage().close();
        bf.storage().close();
        of.storage().close();
    }
}
