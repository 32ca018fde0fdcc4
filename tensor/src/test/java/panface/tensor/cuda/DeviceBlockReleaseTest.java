package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

/**
 * The device memory rule without a device: a block goes back to its allocator exactly once, when
 * its storage is closed or, for a storage no scope owns, when the collector finds it unreachable.
 */
class DeviceBlockReleaseTest {
    private final List<long[]> released = new CopyOnWriteArrayList<>();
    private final DeviceBlockRelease.Sink sink = (address, bytes) -> released.add(new long[] {address, bytes});

    @Test
    void closingReleasesOnceAndTheCollectorDoesNotReleaseAgain() throws InterruptedException {
        Object storage = new Object();
        Cleaner.Cleanable handle = DeviceBlockRelease.track(storage, sink, 4096, 512);
        handle.clean();
        handle.clean();
        assertEquals(1, released.size());
        assertEquals(4096, released.get(0)[0]);
        assertEquals(512, released.get(0)[1]);
        storage = null;
        collect(() -> false, 500);
        assertEquals(1, released.size(), "a closed block must not come back twice");
    }

    @Test
    void anUnreachableStorageIsReleasedByTheCollector() throws InterruptedException {
        track(8192, 1024);
        // the collector decides when; give it up to ten seconds of requests
        collect(() -> !released.isEmpty(), 10_000);
        assertEquals(1, released.size(), "the block of a storage nothing reaches must go back to the allocator");
        assertEquals(8192, released.get(0)[0]);
        assertEquals(1024, released.get(0)[1]);
    }

    @Test
    void aReachableStorageKeepsItsBlock() throws InterruptedException {
        Object storage = new Object();
        DeviceBlockRelease.track(storage, sink, 1, 1);
        collect(() -> false, 300);
        assertTrue(released.isEmpty());
        Reference.reachabilityFence(storage);
    }

    /** Tracks a block for an object that is unreachable when this returns. */
    private void track(long address, long bytes) {
        DeviceBlockRelease.track(new Object(), sink, address, bytes);
    }

    private static void collect(java.util.function.BooleanSupplier done, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            System.gc();
            Thread.sleep(20);
        }
    }
}
