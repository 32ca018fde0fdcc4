package panface.nativebindings.openblas;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * OpenBLAS's single-precision GEMM building blocks for the detected core: the packing routines and
 * the register-blocked kernel that {@code cblas_sgemm} is made of. With them a caller runs its own
 * GEMM driver: it can pack an operand once and share it between threads, or pack a weight matrix
 * once and reuse it for every product.
 *
 * <p>These are internal symbols of a {@code DYNAMIC_ARCH} build, named after the core
 * ({@code sgemm_kernel_SKYLAKEX}, ...), and their packed formats depend on the core's register
 * blocking. Only cores whose blocking is known here are offered ({@link #forCore}); a caller should
 * still check the kernels against {@code cblas_sgemm} once before trusting them.
 *
 * <p>In OpenBLAS's column-major terms the kernel computes {@code C(i, j) += alpha * sum_l
 * A(i, l) B(l, j)} over an {@code m x n} block of C, from A packed in panels of {@link #unrollM()}
 * rows and B packed in panels of {@link #unrollN()} columns. All calls are critical downcalls, so
 * heap arrays may be passed; packed buffers should be native and 64-byte aligned.
 */
public final class OpenBlasKernels {
    private final String core;
    private final int unrollM;
    private final int unrollN;
    private final MethodHandle kernel;
    private final MethodHandle itcopy;
    private final MethodHandle incopy;
    private final MethodHandle oncopy;
    private final MethodHandle otcopy;

    private OpenBlasKernels(SymbolLookup lib, String core, int unrollM, int unrollN) {
        this.core = core;
        this.unrollM = unrollM;
        this.unrollN = unrollN;
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
        ValueLayout p = ValueLayout.ADDRESS;
        kernel = linker.downcallHandle(lib.find("sgemm_kernel_" + core).orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, l, l, l, ValueLayout.JAVA_FLOAT, p, p, p, l), critical);
        FunctionDescriptor copy = FunctionDescriptor.of(ValueLayout.JAVA_INT, l, l, p, l, p);
        itcopy = linker.downcallHandle(lib.find("sgemm_itcopy_" + core).orElseThrow(), copy, critical);
        incopy = linker.downcallHandle(lib.find("sgemm_incopy_" + core).orElseThrow(), copy, critical);
        oncopy = linker.downcallHandle(lib.find("sgemm_oncopy_" + core).orElseThrow(), copy, critical);
        otcopy = linker.downcallHandle(lib.find("sgemm_otcopy_" + core).orElseThrow(), copy, critical);
    }

    /**
     * The kernels for an OpenBLAS core name as {@code openblas_get_corename} reports it, when that
     * core's single-precision blocking is known (the Skylake-X family: 16 x 4; Haswell and Zen:
     * 8 x 4) and the library exports its symbols; empty otherwise.
     */
    static Optional<OpenBlasKernels> forCore(SymbolLookup lib, String coreName) {
        String core = coreName.trim().toUpperCase(Locale.ROOT);
        int unrollM = switch (core) {
            case "SKYLAKEX", "COOPERLAKE", "SAPPHIRERAPIDS" -> 16;
            case "HASWELL", "ZEN" -> 8;
            default -> 0;
        };
        if (unrollM == 0) {
            return Optional.empty();
        }
        for (String s : new String[] {"kernel", "itcopy", "incopy", "oncopy", "otcopy"}) {
            if (lib.find("sgemm_" + s + "_" + core).isEmpty()) {
                return Optional.empty();
            }
        }
        return Optional.of(new OpenBlasKernels(lib, core, unrollM, 4));
    }

    /** The core whose kernels these are (upper case, as in the symbol names). */
    public String core() {
        return core;
    }

    /** Rows per packed panel of the kernel's A operand. */
    public int unrollM() {
        return unrollM;
    }

    /** Columns per packed panel of the kernel's B operand. */
    public int unrollN() {
        return unrollN;
    }

    /** C(0..m, 0..n) += alpha * packedA (m x k) * packedB (k x n), C column-major with leading dimension ldc. */
    public void kernel(long m, long n, long k, float alpha, MemorySegment packedA, MemorySegment packedB, MemorySegment c, long ldc) {
        try {
            int ignored = (int) kernel.invokeExact(m, n, k, alpha, packedA, packedB, c, ldc);
        } catch (Throwable t) {
            throw OpenBlas.rethrow("sgemm_kernel", t);
        }
    }

    /**
     * Packs a k x m block of the kernel's A operand (m rows, depth k) stored with the m index
     * contiguous and the k index at stride lda (a column-major m x k matrix).
     */
    public void packAContiguousRows(long k, long m, MemorySegment a, long lda, MemorySegment packed) {
        copy(itcopy, "sgemm_itcopy", k, m, a, lda, packed);
    }

    /** Packs the kernel's A operand (m rows, depth k) stored with the k index contiguous and the m index at stride lda. */
    public void packAContiguousDepth(long k, long m, MemorySegment a, long lda, MemorySegment packed) {
        copy(incopy, "sgemm_incopy", k, m, a, lda, packed);
    }

    /** Packs the kernel's B operand (depth k, n columns) stored with the k index contiguous and the n index at stride ldb. */
    public void packBContiguousDepth(long k, long n, MemorySegment b, long ldb, MemorySegment packed) {
        copy(oncopy, "sgemm_oncopy", k, n, b, ldb, packed);
    }

    /** Packs the kernel's B operand (depth k, n columns) stored with the n index contiguous and the k index at stride ldb. */
    public void packBContiguousColumns(long k, long n, MemorySegment b, long ldb, MemorySegment packed) {
        copy(otcopy, "sgemm_otcopy", k, n, b, ldb, packed);
    }

    private static void copy(MethodHandle h, String name, long k, long n, MemorySegment src, long ld, MemorySegment packed) {
        if (packed.byteSize() < 4L * k * n) {
            throw new IllegalArgumentException(name + ": packed buffer of " + packed.byteSize() + " bytes is too small for " + k + " x " + n);
        }
        try {
            int ignored = (int) h.invokeExact(k, n, src, ld, packed);
        } catch (Throwable t) {
            throw OpenBlas.rethrow(name, t);
        }
    }
}
