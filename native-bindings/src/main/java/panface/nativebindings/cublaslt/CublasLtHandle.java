package panface.nativebindings.cublaslt;

import static panface.nativebindings.cublaslt.gen.CublasLt.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

import panface.nativebindings.NativeLibraries;
import panface.nativebindings.cublas.CublasHandle;
import panface.nativebindings.cublaslt.gen.cublasLtMatmulHeuristicResult_t;

/**
 * cuBLASLt matrix products (column-major, as cuBLAS), optionally with a fused bias epilogue.
 * Descriptors, layouts and the heuristic's algorithm are built once per problem shape and kept
 * (a plan cache), so a training step pays only for cublasLtMatmul itself. Not thread-safe: use
 * under the owner's lock; close frees every plan.
 */
public final class CublasLtHandle implements AutoCloseable {
    private static final int COMPUTE_32F = 68;
    private static final int COMPUTE_32F_FAST_TF32 = 77;
    private static final int COMPUTE_64F = 70;
    private static final int R_32F = 0;
    private static final int R_64F = 1;

    /** One problem: shapes, types, transposes, epilogue and batch layout. */
    public record Problem(boolean transA, boolean transB, int m, int n, int k, int aType, int lda, long strideA, int bType, int ldb,
                          long strideB, int cType, int ldc, long strideC, int batch, boolean tf32, boolean bias) {
    }

    private record Plan(MemorySegment desc, MemorySegment aLayout, MemorySegment bLayout, MemorySegment cLayout, MemorySegment algo) {
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment stream;
    private final long workspace;
    private final long workspaceBytes;
    private final Map<Problem, Plan> plans = new HashMap<>();
    private boolean closed;

    private CublasLtHandle(MemorySegment handle, MemorySegment stream, long workspace, long workspaceBytes) {
        this.handle = handle;
        this.stream = stream;
        this.workspace = workspace;
        this.workspaceBytes = workspaceBytes;
    }

    /** A handle whose products run on {@code stream} with the given device workspace. */
    public static CublasLtHandle create(MemorySegment stream, long workspace, long workspaceBytes) {
        NativeLibraries.load(NativeLibraries.CUBLASLT);
        NativeLibraries.load(NativeLibraries.CUBLAS);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.ADDRESS);
            check(cublasLtCreate(h), "cublasLtCreate", null);
            return new CublasLtHandle(h.get(ValueLayout.ADDRESS, 0), stream, workspace, workspaceBytes);
        }
    }

    /** cuBLASLt's version number. */
    public static long version() {
        NativeLibraries.load(NativeLibraries.CUBLASLT);
        return cublasLtGetVersion();
    }

    /**
     * D = alpha op(A) op(B) + beta C (+ bias broadcast along columns, when the problem has one),
     * with C and D the same matrix. Pointers are device addresses; {@code bias} is ignored
     * unless the problem asks for it (a vector of m elements of the output type).
     */
    public void matmul(Problem p, double alpha, long a, long b, double beta, long c, long bias) {
        if (closed) {
            throw new IllegalStateException("cuBLASLt handle is closed");
        }
        Plan plan = plans.get(p);
        if (plan == null) {
            plan = plan(p);
            plans.put(p, plan);
        }
        try (Arena ar = Arena.ofConfined()) {
            if (p.bias()) {
                MemorySegment ptr = ar.allocateFrom(ValueLayout.JAVA_LONG, bias);
                check(cublasLtMatmulDescSetAttribute(plan.desc(), CUBLASLT_MATMUL_DESC_BIAS_POINTER(), ptr, 8), "cublasLtMatmulDescSetAttribute",
                        "bias pointer");
            }
            boolean f64 = p.cType() == R_64F;
            MemorySegment al = f64 ? ar.allocateFrom(ValueLayout.JAVA_DOUBLE, alpha) : ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) alpha);
            MemorySegment be = f64 ? ar.allocateFrom(ValueLayout.JAVA_DOUBLE, beta) : ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) beta);
            MemorySegment cp = MemorySegment.ofAddress(c);
            check(cublasLtMatmul(handle, plan.desc(), al, MemorySegment.ofAddress(a), plan.aLayout(), MemorySegment.ofAddress(b), plan.bLayout(), be,
                    cp, plan.cLayout(), cp, plan.cLayout(), plan.algo(), MemorySegment.ofAddress(workspace), workspaceBytes, stream),
                    "cublasLtMatmul", p.toString());
        }
    }

    private Plan plan(Problem p) {
        try (Arena a = Arena.ofConfined()) {
            boolean f64 = p.cType() == R_64F;
            int compute = f64 ? COMPUTE_64F : p.tf32() && p.aType() == R_32F ? COMPUTE_32F_FAST_TF32 : COMPUTE_32F;
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(cublasLtMatmulDescCreate(out, compute, f64 ? R_64F : R_32F), "cublasLtMatmulDescCreate", p.toString());
            MemorySegment desc = out.get(ValueLayout.ADDRESS, 0);
            setDesc(a, desc, CUBLASLT_MATMUL_DESC_TRANSA(), p.transA() ? 1 : 0);
            setDesc(a, desc, CUBLASLT_MATMUL_DESC_TRANSB(), p.transB() ? 1 : 0);
            if (p.bias()) {
                setDesc(a, desc, CUBLASLT_MATMUL_DESC_EPILOGUE(), CUBLASLT_EPILOGUE_BIAS());
            }
            MemorySegment la = layout(a, p.aType(), p.transA() ? p.k() : p.m(), p.transA() ? p.m() : p.k(), p.lda(), p.batch(), p.strideA());
            MemorySegment lb = layout(a, p.bType(), p.transB() ? p.n() : p.k(), p.transB() ? p.k() : p.n(), p.ldb(), p.batch(), p.strideB());
            MemorySegment lc = layout(a, p.cType(), p.m(), p.n(), p.ldc(), p.batch(), p.strideC());
            check(cublasLtMatmulPreferenceCreate(out), "cublasLtMatmulPreferenceCreate", null);
            MemorySegment pref = out.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment ws = a.allocateFrom(ValueLayout.JAVA_LONG, workspaceBytes);
                check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES(), ws, 8),
                        "cublasLtMatmulPreferenceSetAttribute", null);
                MemorySegment results = arena.allocate(cublasLtMatmulHeuristicResult_t.layout());
                MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
                check(cublasLtMatmulAlgoGetHeuristic(handle, desc, la, lb, lc, lc, pref, 1, results, count), "cublasLtMatmulAlgoGetHeuristic",
                        p.toString());
                if (count.get(ValueLayout.JAVA_INT, 0) < 1) {
                    throw new IllegalStateException("cuBLASLt has no algorithm for " + p);
                }
                MemorySegment algo = cublasLtMatmulHeuristicResult_t.algo(results);
                return new Plan(desc, la, lb, lc, algo);
            } finally {
                cublasLtMatmulPreferenceDestroy(pref);
            }
        }
    }

    private static void setDesc(Arena a, MemorySegment desc, int attr, int value) {
        check(cublasLtMatmulDescSetAttribute(desc, attr, a.allocateFrom(ValueLayout.JAVA_INT, value), 4), "cublasLtMatmulDescSetAttribute",
                "attribute " + attr);
    }

    private static MemorySegment layout(Arena a, int type, int rows, int cols, int ld, int batch, long stride) {
        MemorySegment out = a.allocate(ValueLayout.ADDRESS);
        check(cublasLtMatrixLayoutCreate(out, type, rows, cols, ld), "cublasLtMatrixLayoutCreate", rows + "x" + cols + " ld " + ld);
        MemorySegment l = out.get(ValueLayout.ADDRESS, 0);
        if (batch > 1) {
            check(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT(), a.allocateFrom(ValueLayout.JAVA_INT, batch), 4),
                    "cublasLtMatrixLayoutSetAttribute", "batch count");
            check(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET(), a.allocateFrom(ValueLayout.JAVA_LONG, stride),
                    8), "cublasLtMatrixLayoutSetAttribute", "batch stride");
        }
        return l;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Plan p : plans.values()) {
            cublasLtMatrixLayoutDestroy(p.aLayout());
            cublasLtMatrixLayoutDestroy(p.bLayout());
            cublasLtMatrixLayoutDestroy(p.cLayout());
            cublasLtMatmulDescDestroy(p.desc());
        }
        plans.clear();
        check(cublasLtDestroy(handle), "cublasLtDestroy", null);
        arena.close();
    }

    private static void check(int status, String function, String detail) {
        if (status != 0) {
            throw CublasHandle.statusError("cuBLASLt", status, function, detail);
        }
    }
}
