package panface.tensor.cpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The CPU backend's loop splitter: every index once, failures surface, nesting and many callers are safe. */
class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : new int[] {1, 2, 3, 7, 1000, 100_003}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            for (int rep = 0; rep < 20; rep++) {
                Parallel.forRange(n, 1, (lo, hi) -> {
                    for (int i = lo; i < hi; i++) {
                        hits.incrementAndGet(i);
                    }
                });
            }
            for (int i = 0; i < n; i++) {
                assertEquals(20, hits.get(i), "index " + i + " of " + n);
            }
        }
    }

    @Test
    void aFailureInAnyChunkReachesTheCaller() {
        for (int bad : new int[] {0, 999}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(1000, 1, (lo, hi) -> {
                if (lo <= bad && bad < hi) {
                    throw new IllegalStateException("chunk with " + bad);
                }
            }));
            assertEquals("chunk with " + bad, e.getMessage());
        }
        // and the threads still work afterwards
        everyIndexRunsExactlyOnce();
    }

    @Test
    void nestedLoopsAndConcurrentCallersComplete() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] callers = new Thread[4];
        long[] sums = new long[callers.length];
        for (int c = 0; c < callers.length; c++) {
            int id = c;
            callers[c] = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 50; rep++) {
                        java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
                        Parallel.forRange(64, 1, (lo, hi) -> {
                            for (int i = lo; i < hi; i++) {
                                int row = i;
                                Parallel.forRange(100, 1, (a, b) -> {
                                    for (int j = a; j < b; j++) {
                                        sum.addAndGet(row * 100L + j);
                                    }
                                });
                            }
                        });
                        sums[id] = sum.get();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            callers[c].start();
        }
        for (Thread t : callers) {
            t.join(60_000);
            assertTrue(!t.isAlive(), "a caller did not finish");
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        long want = 6400L * 6399 / 2;
        for (long s : sums) {
            assertEquals(want, s);
        }
    }
}
