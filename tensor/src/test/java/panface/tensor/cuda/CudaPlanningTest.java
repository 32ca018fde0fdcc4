package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The launch and allocation arithmetic of the CUDA backend, which needs no GPU. */
class CudaPlanningTest {

    @Test
    void sizeClassesRoundUpToHalfKibibytesThenMebibytes() {
        assertEquals(512, CudaAllocator.sizeClass(0));
        assertEquals(512, CudaAllocator.sizeClass(1));
        assertEquals(512, CudaAllocator.sizeClass(512));
        assertEquals(1024, CudaAllocator.sizeClass(513));
        assertEquals((1 << 20) - 512, CudaAllocator.sizeClass((1 << 20) - 600));
        assertEquals(1 << 20, CudaAllocator.sizeClass(1 << 20));
        assertEquals(2 << 20, CudaAllocator.sizeClass((1 << 20) + 1));
        assertEquals(3L << 30, CudaAllocator.sizeClass((3L << 30) - 5));
        for (long b = 1; b < (64L << 20); b = b * 3 + 7) {
            long c = CudaAllocator.sizeClass(b);
            assertTrue(c >= b && c - b < Math.max(512, 1 << 20), b + " -> " + c);
        }
    }

    @Test
    void batchStridesCollapseOnlyWhenTheyAreOneArithmeticProgression() {
        // contiguous (2, 3) batch of 4x5 matrices
        assertEquals(20, CudaGemm.flatStride(new int[] {2, 3}, new int[] {60, 20}));
        // size-1 batch dimensions do not matter
        assertEquals(20, CudaGemm.flatStride(new int[] {2, 1, 3}, new int[] {60, 7, 20}));
        // broadcast over the whole batch: stride 0
        assertEquals(0, CudaGemm.flatStride(new int[] {2, 3}, new int[] {0, 0}));
        // broadcast over one dimension only: no single stride
        assertEquals(-1, CudaGemm.flatStride(new int[] {2, 3}, new int[] {20, 0}));
        assertEquals(-1, CudaGemm.flatStride(new int[] {2, 3}, new int[] {0, 20}));
        // permuted batch
        assertEquals(-1, CudaGemm.flatStride(new int[] {2, 3}, new int[] {20, 40}));
        // no batch at all
        assertEquals(0, CudaGemm.flatStride(new int[] {}, new int[] {}));
        assertEquals(0, CudaGemm.flatStride(new int[] {1, 1}, new int[] {5, 9}));
    }

    @Test
    void rowKernelsUseAboutFourElementsPerThread() {
        assertEquals(32, CudaFused.rowThreads(1));
        assertEquals(32, CudaFused.rowThreads(128));
        assertEquals(64, CudaFused.rowThreads(129));
        assertEquals(128, CudaFused.rowThreads(512));
        assertEquals(1024, CudaFused.rowThreads(4096));
        assertEquals(1024, CudaFused.rowThreads(10_000_000));
    }

    @Test
    void attentionHeadSizesPickTheSmallestCompiledWidth() {
        assertEquals(8, CudaFused.lanesWidth(1));
        assertEquals(8, CudaFused.lanesWidth(32));
        assertEquals(16, CudaFused.lanesWidth(33));
        assertEquals(16, CudaFused.lanesWidth(64));
        assertEquals(24, CudaFused.lanesWidth(96));
        assertEquals(32, CudaFused.lanesWidth(100));
        assertEquals(32, CudaFused.lanesWidth(128));
        assertEquals(0, CudaFused.lanesWidth(129));
    }
}
