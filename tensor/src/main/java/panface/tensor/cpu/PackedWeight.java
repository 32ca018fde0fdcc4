package panface.tensor.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import panface.nativebindings.openblas.OpenBlasKernels;

/**
 * The B operand of products (k x n; a linear layer's weight transposed) packed once into
 * OpenBLAS's kernel format for {@link PackedGemm}. Block (kb, nb) (depth block kb, column block
 * nb) lies at {@code k0 * n + n0 * kl}. The packed copy is native memory of an automatic arena:
 * it is freed when this object is no longer reachable.
 */
final class PackedWeight {
    private final int n;
    private final int k;
    private final int[] columnStarts;
    private final MemorySegment data;

    /** Packs B (row-major k x n from bo with leading dimension ldb, or stored as n x k when trans). */
    PackedWeight(float[] b, int bo, int ldb, boolean trans, int k, int n) {
        OpenBlasKernels kern = PackedGemm.kernels();
        if (kern == null) {
            throw new IllegalStateException("packed weights need OpenBLAS's GEMM kernels, which are not available");
        }
        if (k < 0 || n < 1 || ldb < (trans ? Math.max(1, k) : n)) {
            throw new IllegalArgumentException("cannot pack a " + k + " x " + n + " matrix with leading dimension " + ldb);
        }
        this.n = n;
        this.k = k;
        this.columnStarts = PackedGemm.columnBlocks(n, kern.unrollM());
        this.data = Arena.ofAuto().allocate(4L * Math.max(1, (long) n * k), 64);
        for (int kb = 0; k > 0 && kb < PackedGemm.kBlocks(k); kb++) {
            for (int nb = 0; nb + 1 < columnStarts.length; nb++) {
                int k0 = PackedGemm.kStart(k, kb);
                PackedGemm.packB(kern, b, bo, ldb, trans, k0, PackedGemm.kEnd(k, kb) - k0, columnStarts[nb], columnStarts[nb + 1] - columnStarts[nb],
                        block(kb, nb));
            }
        }
    }

    int n() {
        return n;
    }

    int k() {
        return k;
    }

    int[] columnStarts() {
        return columnStarts;
    }

    /** Packed block (kb, nb). */
    MemorySegment block(int kb, int nb) {
        int k0 = PackedGemm.kStart(k, kb);
        int kl = PackedGemm.kEnd(k, kb) - k0;
        int n0 = columnStarts[nb];
        return data.asSlice(4L * ((long) k0 * n + (long) n0 * kl), 4L * kl * (columnStarts[nb + 1] - n0));
    }

    /** Bytes of native memory held. */
    long byteSize() {
        return data.byteSize();
    }
}
