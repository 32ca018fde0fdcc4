package panface.tensor.cpu.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.nativebindings.openblas.OpenBlasKernels;

/**
 * Checks OpenBLAS's packing routines and kernel against a plain product once, before the backend
 * trusts them: their packed formats are internal to OpenBLAS, so a library whose blocking differs
 * from what {@link OpenBlasKernels} assumes must be caught, not used.
 */
final class SelfCheck {
    private SelfCheck() {
    }

    /** Null when the kernels compute correct products (with edge panels), else what went wrong. */
    static String run(OpenBlasKernels kern) {
        int m = 37;
        int n = 53;
        int k = 29;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(0.37 * i + 0.1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) Math.cos(0.23 * i + 0.3);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (int variant = 0; variant < 4; variant++) {
                boolean transA = (variant & 1) != 0;
                boolean transB = (variant & 2) != 0;
                MemorySegment pa = arena.allocate(4L * m * k + 256, 64);
                MemorySegment pb = arena.allocate(4L * n * k + 256, 64);
                // A (m x k) row-major, or k x m when transA; B (k x n), or n x k when transB
                PackedGemm.packA(kern, a, 0, transA ? m : k, transA, 0, k, 0, m, pa);
                PackedGemm.packB(kern, b, 0, transB ? k : n, transB, 0, k, 0, n, pb);
                MemorySegment c = arena.allocate(4L * m * n, 64);
                c.fill((byte) 0);
                kern.kernel(n, m, k, 1f, pb, pa, c, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double want = 0;
                        for (int p = 0; p < k; p++) {
                            double av = transA ? a[p * m + i] : a[i * k + p];
                            double bv = transB ? b[j * k + p] : b[p * n + j];
                            want += av * bv;
                        }
                        float got = c.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j);
                        if (!(Math.abs(got - want) <= 1e-4 * (1 + Math.abs(want)))) {
                            return "transA=" + transA + " transB=" + transB + ": C(" + i + ", " + j + ") = " + got + ", expected " + want;
                        }
                    }
                }
            }
        } catch (RuntimeException | LinkageError e) {
            return e.toString();
        }
        return null;
    }
}
