package panface.tensor.cpu.conv;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import panface.nativebindings.openblas.OpenBlasKernels;
import panface.tensor.cpu.gemm.PackedGemm;

/**
 * The product of a {@link ConvPackedWeight} with a block of columns (output positions, or
 * Winograd tiles) on the calling thread: C (channels x m) = W (channels x depth) x A (depth x m),
 * C's rows being planes of an NCHW output (or of Winograd's transformed output). For each of the
 * weight's depth blocks the caller's {@link Panels} pack that block of A into the kernel's A
 * format (unfolding the input on the way where it has to), and OpenBLAS's kernel adds its
 * product onto C. The weight was packed once; only A is packed here, a block small enough to stay
 * in the core's second-level cache while every panel of the weight passes over it.
 */
final class ConvProduct {
    private ConvProduct() {
    }

    /** Packs rows [k0, k1) of a product's right operand (its m columns) into dst in the kernel's A format. */
    @FunctionalInterface
    interface Panels {
        void pack(int k0, int k1, MemorySegment dst);
    }

    static OpenBlasKernels kernels() {
        return PackedGemm.kernels();
    }

    /** Floats of packed A that a product of m columns needs for w's largest depth block. */
    static long packFloats(ConvPackedWeight w, int m) {
        return (long) maxBlock(w) * Math.max(1, m);
    }

    static int maxBlock(ConvPackedWeight w) {
        int[] d = w.depthStarts();
        int most = 1;
        for (int i = 0; i + 1 < d.length; i++) {
            most = Math.max(most, d[i + 1] - d[i]);
        }
        return most;
    }

    /**
     * C rows [r0, r1) (row r at co + (r - r0) * ldc, m floats) = rows [r0, r1) of batch g of w
     * times the m columns that a packs; r0 a multiple of the kernel's column unroll.
     */
    static void multiply(ConvPackedWeight w, int g, int r0, int r1, int m, Panels a, float[] c, int co, int ldc, MemorySegment pa) {
        for (int r = 0; r < r1 - r0; r++) {
            Arrays.fill(c, co + r * ldc, co + r * ldc + m, 0f);
        }
        if (m <= 0 || r1 <= r0) {
            return;
        }
        OpenBlasKernels k = kernels();
        MemorySegment cs = MemorySegment.ofArray(c).asSlice(4L * co);
        int[] d = w.depthStarts();
        for (int kb = 0; kb + 1 < d.length; kb++) {
            int kl = d[kb + 1] - d[kb];
            if (kl == 0) {
                continue;
            }
            a.pack(d[kb], d[kb + 1], pa);
            k.kernel(m, r1 - r0, kl, 1f, pa, w.block(g, kb, r0), cs, ldc);
        }
    }

    /** Packs rows [k0, k1) x m columns of a row-major matrix (row k at at + k * ld) into dst. */
    static void packRows(float[] src, int at, int ld, int k0, int k1, int m, MemorySegment dst) {
        kernels().packAContiguousRows(k1 - k0, m, MemorySegment.ofArray(src).asSlice(4L * (at + (long) k0 * ld)), ld, dst);
    }
}
