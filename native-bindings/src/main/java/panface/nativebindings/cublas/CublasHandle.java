package panface.nativebindings.cublas;

import static panface.nativebindings.cublas.gen.Cublas.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.nativebindings.CStrings;
import panface.nativebindings.NativeCallException;
import panface.nativebindings.NativeLibraries;

/**
 * A cuBLAS handle bound to one stream (create it with the device's context current). GEMMs are
 * column-major, as cuBLAS defines them; callers map row-major products by swapping operands.
 * Not thread-safe: one handle per stream, used under its owner's lock.
 */
public final class CublasHandle implements AutoCloseable {

    /** cudaDataType_t values. */
    public static final int R_32F = 0;
    public static final int R_64F = 1;
    public static final int R_16F = 2;
    public static final int R_16BF = 14;

    /** How float32 products are computed: exact fp32, or TF32 tensor cores (fp32 accumulation). */
    public enum Float32Mode { FP32, TF32 }

    private final MemorySegment handle;
    private boolean closed;

    private CublasHandle(MemorySegment handle) {
        this.handle = handle;
    }

    /** Loads cuBLASLt and cuBLAS (throws a NativeLibraryException listing the places tried). */
    public static void load() {
        NativeLibraries.load(NativeLibraries.CUBLASLT);
        NativeLibraries.load(NativeLibraries.CUBLAS);
    }

    /** A new handle whose work goes to {@code stream}. */
    public static CublasHandle create(MemorySegment stream) {
        load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.ADDRESS);
            check(cublasCreate_v2(h), "cublasCreate_v2", null);
            CublasHandle out = new CublasHandle(h.get(ValueLayout.ADDRESS, 0));
            check(cublasSetStream_v2(out.handle, stream), "cublasSetStream_v2", null);
            return out;
        }
    }

    /** cuBLAS's version number (for example 130100). */
    public int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(cublasGetVersion_v2(handle, v), "cublasGetVersion_v2", null);
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * Batched strided GEMM, column-major: C_i = alpha op(A_i) op(B_i) + beta C_i for i &lt;
     * batch, with fp32 accumulation for 16-bit and fp32 types (fp64 for fp64). Pointers are
     * device addresses; stride 0 repeats an operand across the batch.
     */
    public void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, long a, int aType, int lda,
                                   long strideA, long b, int bType, int ldb, long strideB, double beta, long c, int cType, int ldc,
                                   long strideC, int batch, Float32Mode f32) {
        checkOpen();
        try (Arena ar = Arena.ofConfined()) {
            int compute;
            MemorySegment al;
            MemorySegment be;
            if (cType == R_64F) {
                compute = CUBLAS_COMPUTE_64F();
                al = ar.allocateFrom(ValueLayout.JAVA_DOUBLE, alpha);
                be = ar.allocateFrom(ValueLayout.JAVA_DOUBLE, beta);
            } else {
                compute = cType == R_32F && aType == R_32F && f32 == Float32Mode.TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32() : CUBLAS_COMPUTE_32F();
                al = ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) alpha);
                be = ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) beta);
            }
            int opA = transA ? CUBLAS_OP_T() : CUBLAS_OP_N();
            int opB = transB ? CUBLAS_OP_T() : CUBLAS_OP_N();
            int status = batch == 1
                    ? cublasGemmEx(handle, opA, opB, m, n, k, al, MemorySegment.ofAddress(a), aType, lda, MemorySegment.ofAddress(b), bType,
                            ldb, be, MemorySegment.ofAddress(c), cType, ldc, compute, CUBLAS_GEMM_DEFAULT())
                    : cublasGemmStridedBatchedEx(handle, opA, opB, m, n, k, al, MemorySegment.ofAddress(a), aType, lda, strideA,
                            MemorySegment.ofAddress(b), bType, ldb, strideB, be, MemorySegment.ofAddress(c), cType, ldc, strideC, batch,
                            compute, CUBLAS_GEMM_DEFAULT());
            if (status != 0) {
                throw error(status, batch == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx",
                        "m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + " batch=" + batch + " types "
                                + aType + "/" + bType + "/" + cType);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cuBLAS handle is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cublasDestroy_v2(handle), "cublasDestroy_v2", null);
        }
    }

    static void check(int status, String function, String detail) {
        if (status != 0) {
            throw error(status, function, detail);
        }
    }

    static NativeCallException error(int status, String function, String detail) {
        return statusError("cuBLAS", status, function, detail);
    }

    /** The exception for a failed cuBLAS or cuBLASLt status (both use cublasStatus_t and its strings). */
    public static NativeCallException statusError(String library, int status, String function, String detail) {
        String name = null;
        String text = null;
        try {
            name = CStrings.read(cublasGetStatusName(status));
            text = CStrings.read(cublasGetStatusString(status));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            text = null;
        }
        return new NativeCallException(library, function, status, name, text, detail);
    }
}
