package panface.tensor.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;
import panface.tensor.cpu.runtime.Prefetch;

/** The weight order the GEMM driver learns for prefetching, and what the prefetcher reads. */
class PrefetchTest {
    private static PackedWeight weight(int k, int n) {
        return new PackedWeight(new float[k * n], 0, k, true, k, n);
    }

    private static void use(PackedWeight w) {
        float[] a = new float[8 * w.k()];
        PackedGemm.gemm(8, 1f, a, 0, w.k(), false, w, 0f, new float[8 * w.n()], 0, w.n());
    }

    @Test
    void learnsWhichWeightFollowsWhichAndReadsItOnce() {
        assumeTrue(PackedGemm.available() && Prefetch.ENABLED);
        PackedWeight w1 = weight(64, 48);
        PackedWeight w2 = weight(100, 33);
        use(w1);
        use(w2);
        use(w1);
        assertSame(w2, w1.next());
        assertSame(w1, w2.next());
        // a weight packed into a caller's scratch buffer (freed after its product) is never learned
        try (Arena arena = Arena.ofConfined()) {
            PackedWeight scratch = new PackedWeight(new float[64 * 16], 0, 64, true, 64, 16, arena.allocate(4L * 64 * 16, 64));
            use(scratch);
            use(w2);
        }
        assertSame(w2, w1.next(), "the scratch-backed weight must not be learned");
        // the hinted weight is read in steps until it is all read
        Prefetch.hint(w2);
        int steps = 0;
        while (Prefetch.step()) {
            steps++;
        }
        assertEquals((w2.data().byteSize() + 4095) / 4096, steps);
    }

    @Test
    void eachThreadLearnsItsOwnOrder() throws Exception {
        assumeTrue(PackedGemm.available() && Prefetch.ENABLED);
        PackedWeight a1 = weight(64, 48);
        PackedWeight a2 = weight(64, 48);
        PackedWeight b1 = weight(32, 40);
        PackedWeight b2 = weight(32, 40);
        // two models on two threads, their products interleaved: a1, b1, a2, b2
        java.util.concurrent.ExecutorService modelA = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.ExecutorService modelB = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            modelA.submit(() -> use(a1)).get();
            modelB.submit(() -> use(b1)).get();
            modelA.submit(() -> use(a2)).get();
            modelB.submit(() -> use(b2)).get();
        } finally {
            modelA.shutdown();
            modelB.shutdown();
        }
        assertSame(a2, a1.next(), "model A's second weight follows its first");
        assertSame(b2, b1.next(), "model B's second weight follows its first");
    }

    @Test
    void hintsNeverKeepAWeightAlive() throws InterruptedException {
        assumeTrue(PackedGemm.available() && Prefetch.ENABLED);
        PackedWeight w1 = weight(64, 48);
        use(w1);
        useATemporaryWeight();
        use(w1);
        assertTrue(w1.next() != null);
        for (int i = 0; i < 20 && w1.next() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(w1.next(), "a weight nothing else refers to must be collectable");
        // and the prefetcher copes with a hinted weight that is gone
        while (Prefetch.step()) {
            Thread.onSpinWait();
        }
    }

    private static void useATemporaryWeight() {
        use(weight(32, 40));
    }
}
