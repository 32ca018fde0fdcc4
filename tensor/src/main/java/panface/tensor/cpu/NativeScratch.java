package panface.tensor.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable 64-byte aligned native buffers for GEMM packing. A buffer is taken for one product and
 * given back after it; at most {@link #KEEP} are kept between products, the rest are freed, so the
 * footprint stays at what the largest recent products needed.
 */
final class NativeScratch {
    private static final int KEEP = 4 * Parallel.threads() + 4;
    private static final ConcurrentLinkedQueue<Buffer> FREE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger KEPT = new AtomicInteger();

    private NativeScratch() {
    }

    /** A native buffer and the arena that frees it. */
    record Buffer(Arena arena, MemorySegment segment) {
    }

    /** A buffer of at least the given number of floats. */
    static Buffer take(long floats) {
        long bytes = Math.max(64, 4 * floats);
        for (Buffer b : FREE) {
            if (b.segment().byteSize() >= bytes && FREE.remove(b)) {
                KEPT.decrementAndGet();
                return b;
            }
        }
        // round up so that slightly larger products reuse the buffer
        long size = Math.max(1L << 16, Long.highestOneBit(bytes - 1) << 1);
        Arena arena = Arena.ofShared();
        return new Buffer(arena, arena.allocate(size, 64));
    }

    /** Returns a buffer for reuse, or frees it when enough are kept. */
    static void give(Buffer b) {
        if (KEPT.incrementAndGet() <= KEEP) {
            FREE.add(b);
        } else {
            KEPT.decrementAndGet();
            b.arena().close();
        }
    }
}
