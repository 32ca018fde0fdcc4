package panface.tensor.cpu.conv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import panface.nativebindings.openblas.OpenBlasKernels;
import panface.tensor.cpu.gemm.PackedGemm;
import panface.tensor.cpu.runtime.Parallel;

/**
 * A convolution's weight packed once into the B operand format of OpenBLAS's kernel, for
 * {@link ConvProduct}: batches (a convolution's groups, or Winograd's 16 transformed positions)
 * of a rows x depth matrix (one row per output channel). Output channels are the kernel's B
 * columns, so that the product writes output positions, the kernel's contiguous A rows, straight
 * into an NCHW plane. Depth is cut into blocks of whole input channels (taps times a run of
 * channels), so that a block of the other operand can be unfolded from whole channels; block kb
 * of batch g lies at {@code g * rows * depth + depthStart(kb) * rows}, its channels in panels of
 * the kernel's column unroll. Native memory of an automatic arena, freed with this object.
 */
final class ConvPackedWeight {
    private final int batches;
    private final int rows;
    private final int depth;
    private final int taps;
    private final int[] depthStarts;
    private final MemorySegment data;

    /**
     * Packs src (batches x rows x depth, row-major, from off), where depth is channels times taps,
     * each row holding a channel's taps together.
     */
    ConvPackedWeight(float[] src, int off, int batches, int rows, int depth, int taps) {
        OpenBlasKernels k = PackedGemm.kernels();
        if (k == null) {
            throw new IllegalStateException("packed convolution weights need OpenBLAS's GEMM kernels, which are not available");
        }
        this.batches = batches;
        this.rows = rows;
        this.depth = depth;
        this.taps = taps;
        this.depthStarts = depthBlocks(depth, taps);
        this.data = Arena.ofAuto().allocate(4L * Math.max(1, (long) batches * rows * depth), 64);
        MemorySegment all = MemorySegment.ofArray(src);
        int blocks = depthStarts.length - 1;
        Parallel.forRange(batches * blocks, 1, (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int g = u / blocks;
                int kb = u % blocks;
                int k0 = depthStarts[kb];
                int kl = depthStarts[kb + 1] - k0;
                long at = (long) g * rows * depth;
                k.packBContiguousDepth(kl, rows, all.asSlice(4L * (off + at + k0)), depth, data.asSlice(4L * (at + (long) k0 * rows)));
            }
        });
    }

    /**
     * Block starts over [0, depth): runs of whole channels (taps rows each) of at most
     * {@link PackedGemm#KC} rows, evenly sized, so that a block of the unfolded input and the
     * packed panels it meets stay in the core's second-level cache.
     */
    static int[] depthBlocks(int depth, int taps) {
        int channels = depth / taps;
        int perBlock = Math.max(1, PackedGemm.KC / taps);
        int count = Math.max(1, (channels + perBlock - 1) / perBlock);
        int[] starts = new int[count + 1];
        for (int b = 0; b <= count; b++) {
            starts[b] = (int) ((long) channels * b / count) * taps;
        }
        return starts;
    }

    int batches() {
        return batches;
    }

    int rows() {
        return rows;
    }

    int depth() {
        return depth;
    }

    int taps() {
        return taps;
    }

    int[] depthStarts() {
        return depthStarts;
    }

    /** Depth block kb of batch g from row r0 (a multiple of the kernel's column unroll) on. */
    MemorySegment block(int g, int kb, int r0) {
        int k0 = depthStarts[kb];
        int kl = depthStarts[kb + 1] - k0;
        long at = (long) g * rows * depth + (long) k0 * rows + (long) r0 * kl;
        return data.asSlice(4L * at, 4L * (long) (rows - r0) * kl);
    }

    /** Bytes of native memory held. */
    long byteSize() {
        return data.byteSize();
    }
}
