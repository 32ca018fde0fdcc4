package panface.tensor.cpu.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;

import panface.nativebindings.openblas.OpenBlasKernels;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Prefetch;

/**
 * The B operand of products (k x n; a linear layer's weight transposed) packed once into
 * OpenBLAS's kernel format for {@link PackedGemm}. Block (kb, nb) (depth block kb, column block
 * nb) lies at {@code k0 * n + n0 * kl}. The packed copy is native memory of an automatic arena:
 * it is freed when this object is no longer reachable.
 */
final class PackedWeight implements Prefetch.Target {
    private final int n;
    private final int k;
    private final int[] columnStarts;
    private final MemorySegment data;
    /** Whether data is memory of its own (not a caller's scratch buffer that may be freed after one product). */
    private final boolean ownsMemory;
    private final WeakReference<PackedWeight> self = new WeakReference<>(this);
    /** The weight products used after this one last time (learned for {@link Prefetch}). */
    private volatile WeakReference<PackedWeight> next;

    /** Packs B (row-major k x n from bo with leading dimension ldb, or stored as n x k when trans) into memory of its own. */
    PackedWeight(float[] b, int bo, int ldb, boolean trans, int k, int n) {
        this(b, bo, ldb, trans, k, n, null);
    }

    /**
     * Packs B into dst (at least {@link #floats} floats; null: memory of its own), the pool's
     * threads packing runs of column panels side by side.
     */
    PackedWeight(float[] b, int bo, int ldb, boolean trans, int k, int n, MemorySegment dst) {
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
        this.data = dst != null ? dst.asSlice(0, 4L * floats(k, n)) : Arena.ofAuto().allocate(4L * floats(k, n), 64);
        this.ownsMemory = dst == null;
        if (k == 0) {
            return;
        }
        int unroll = kern.unrollM();
        int panels = (n + unroll - 1) / unroll;
        int kBlocks = PackedGemm.kBlocks(k);
        // units are (depth block, column panel); a run of consecutive units inside one packed block
        // is one call of the packing routine
        Parallel.forRange(kBlocks * panels, Math.max(1, (int) (PACK_GRAIN / ((long) unroll * PackedGemm.kWidth(k)))), (lo, hi) -> {
            for (int u = lo; u < hi; ) {
                int kb = u / panels;
                int c0 = (u % panels) * unroll;
                int nb = block(c0);
                int blockEnd = columnStarts[nb + 1];
                int runEnd = (int) Math.min(blockEnd, c0 + (long) (hi - u) * unroll);
                int k0 = PackedGemm.kStart(k, kb);
                int kl = PackedGemm.kEnd(k, kb) - k0;
                MemorySegment blk = block(kb, nb);
                PackedGemm.packB(kern, b, bo, ldb, trans, k0, kl, c0, runEnd - c0, blk.asSlice(4L * (c0 - columnStarts[nb]) * kl));
                u += (runEnd - c0 + unroll - 1) / unroll;
            }
        });
    }

    /** Floats a packed k x n weight takes. */
    static long floats(int k, int n) {
        return Math.max(1, (long) n * k);
    }

    /** Floats per task when packing in parallel. */
    private static final long PACK_GRAIN = 1L << 16;

    private int block(int col) {
        int nb = 0;
        while (columnStarts[nb + 1] <= col) {
            nb++;
        }
        return nb;
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

    @Override
    public MemorySegment data() {
        return data;
    }

    boolean ownsMemory() {
        return ownsMemory;
    }

    @Override
    public WeakReference<PackedWeight> self() {
        return self;
    }

    /** The weight used after this one last time, or null. */
    PackedWeight next() {
        WeakReference<PackedWeight> n = next;
        return n == null ? null : n.get();
    }

    void next(PackedWeight w) {
        if (next() != w) {
            next = w.self();
        }
    }

    /** Bytes of native memory held. */
    long byteSize() {
        return data.byteSize();
    }
}
