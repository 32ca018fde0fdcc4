package panface.nativebindings.openblas;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import panface.nativebindings.NativeLibraryException;

/**
 * The few OpenBLAS functions the CPU backend uses: row-major single and double GEMM and the
 * thread controls. Hand-written downcalls (five functions do not justify generated bindings);
 * GEMM downcalls are {@link Linker.Option#critical critical} with heap access, so Java arrays
 * are passed without copying. {@link #get()} loads the library once; {@link #isAvailable()} and
 * {@link #failure()} say whether that worked and why not.
 */
public final class OpenBlas {
    /** CBLAS_ORDER: row-major. */
    public static final int ROW_MAJOR = 101;
    /** CBLAS_TRANSPOSE: no transpose. */
    public static final int NO_TRANS = 111;
    /** CBLAS_TRANSPOSE: transpose. */
    public static final int TRANS = 112;

    private static final Object LOCK = new Object();
    private static volatile OpenBlas instance;
    private static volatile NativeLibraryException failure;

    private final MethodHandle sgemm;
    private final MethodHandle dgemm;
    private final MethodHandle sgemv;
    private final MethodHandle setThreads;
    private final MethodHandle setThreadsLocal;
    private final MethodHandle getThreads;
    private final MethodHandle getConfig;
    private final OpenBlasKernels kernels;

    private OpenBlas(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE;
        ValueLayout p = ValueLayout.ADDRESS;
        sgemm = linker.downcallHandle(find(lib, "cblas_sgemm"),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i), critical);
        dgemm = linker.downcallHandle(find(lib, "cblas_dgemm"),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, d, p, i, p, i, d, p, i), critical);
        sgemv = linker.downcallHandle(find(lib, "cblas_sgemv"), FunctionDescriptor.ofVoid(i, i, i, i, f, p, i, p, i, f, p, i), critical);
        setThreads = linker.downcallHandle(find(lib, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
        setThreadsLocal = lib.find("openblas_set_num_threads_local")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(i, i))).orElse(null);
        getThreads = linker.downcallHandle(find(lib, "openblas_get_num_threads"), FunctionDescriptor.of(i));
        getConfig = linker.downcallHandle(find(lib, "openblas_get_config"), FunctionDescriptor.of(p));
        OpenBlasKernels k = null;
        var coreName = lib.find("openblas_get_corename");
        if (coreName.isPresent()) {
            try {
                MemorySegment name = (MemorySegment) linker.downcallHandle(coreName.get(), FunctionDescriptor.of(p)).invokeExact();
                k = OpenBlasKernels.forCore(lib, name.reinterpret(256).getString(0)).orElse(null);
            } catch (Throwable t) {
                k = null;
            }
        }
        kernels = k;
    }

    /**
     * The GEMM packing routines and kernel of the detected core, or null when this library or
     * core does not offer them in a known format (see {@link OpenBlasKernels}).
     */
    public OpenBlasKernels kernels() {
        return kernels;
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new NativeLibraryException("the loaded OpenBLAS has no symbol " + name));
    }

    /** The loaded library; throws {@link NativeLibraryException} (with the reason) when it cannot be loaded. */
    public static OpenBlas get() {
        OpenBlas o = instance;
        if (o != null) {
            return o;
        }
        synchronized (LOCK) {
            if (instance == null && failure == null) {
                if (Boolean.getBoolean("panface.openblas.disable")) {
                    failure = new NativeLibraryException("OpenBLAS disabled by -Dpanface.openblas.disable=true");
                } else {
                    try {
                        instance = new OpenBlas(OpenBlasLoader.load());
                    } catch (NativeLibraryException e) {
                        failure = e;
                    } catch (RuntimeException | LinkageError e) {
                        failure = new NativeLibraryException("OpenBLAS could not be loaded: " + e, e);
                    }
                }
            }
            if (instance == null) {
                throw failure;
            }
            return instance;
        }
    }

    /** True when the library loaded. */
    public static boolean isAvailable() {
        try {
            get();
            return true;
        } catch (NativeLibraryException e) {
            return false;
        }
    }

    /** Why loading failed, or null. */
    public static NativeLibraryException failure() {
        isAvailable();
        return failure;
    }

    private static void checkGemm(int m, int n, int k, int lda, int ldb, int ldc) {
        if (m < 0 || n < 0 || k < 0 || lda < 1 || ldb < 1 || ldc < Math.max(1, n)) {
            throw new IllegalArgumentException("gemm: bad sizes m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc);
        }
    }

    /**
     * Row-major C = alpha op(A) op(B) + beta C on float arrays, where A, B and C start at the
     * given element offsets (segments may be heap arrays).
     */
    public void sgemm(int transA, int transB, int m, int n, int k, float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc) {
        checkGemm(m, n, k, lda, ldb, ldc);
        try {
            sgemm.invokeExact(ROW_MAJOR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw rethrow("cblas_sgemm", t);
        }
    }

    /**
     * Row-major y = alpha op(A) x + beta y, A (m x n) with leading dimension lda, op a transpose
     * when trans is {@link #TRANS}; x and y with increments.
     */
    public void sgemv(int trans, int m, int n, float alpha, MemorySegment a, int lda, MemorySegment x, int incx, float beta, MemorySegment y,
                      int incy) {
        if (m < 0 || n < 0 || lda < Math.max(1, n) || incx == 0 || incy == 0) {
            throw new IllegalArgumentException("gemv: bad sizes m=" + m + " n=" + n + " lda=" + lda);
        }
        try {
            sgemv.invokeExact(ROW_MAJOR, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
        } catch (Throwable t) {
            throw rethrow("cblas_sgemv", t);
        }
    }

    /** Row-major double GEMM, as {@link #sgemm}. */
    public void dgemm(int transA, int transB, int m, int n, int k, double alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      double beta, MemorySegment c, int ldc) {
        checkGemm(m, n, k, lda, ldb, ldc);
        try {
            dgemm.invokeExact(ROW_MAJOR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw rethrow("cblas_dgemm", t);
        }
    }

    /** Sets the number of threads OpenBLAS uses (process-wide). */
    public void setNumThreads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw rethrow("openblas_set_num_threads", t);
        }
    }

    /**
     * Sets the thread count for calls made from the current thread only (OpenBLAS 0.3.27+);
     * returns false when the library lacks it.
     */
    public boolean setNumThreadsLocal(int n) {
        if (setThreadsLocal == null) {
            return false;
        }
        try {
            int ignored = (int) setThreadsLocal.invokeExact(n);
            return true;
        } catch (Throwable t) {
            throw rethrow("openblas_set_num_threads_local", t);
        }
    }

    /** The number of threads OpenBLAS uses. */
    public int numThreads() {
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw rethrow("openblas_get_num_threads", t);
        }
    }

    /** The library's build description (version, target core, threading). */
    public String config() {
        try {
            MemorySegment s = (MemorySegment) getConfig.invokeExact();
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow("openblas_get_config", t);
        }
    }

    static RuntimeException rethrow(String fn, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(fn + " failed: " + t, t);
    }
}
