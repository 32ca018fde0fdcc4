package panface.tensor.cpu.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import panface.tensor.RuntimeConfig;

/**
 * Reusable 64-byte aligned native buffers for GEMM packing. A buffer is taken for one product and
 * given back after it; at most {@link #KEEP} are kept between products (the largest), the rest are
 * freed, so the footprint stays at what the largest recent products needed. Buffers above
 * {@link #KEEP_BYTES} are freed at once: one very large product does not pin its packing memory.
 */
public final class NativeScratch {
    private static final int KEEP = 2 * Parallel.threads() + 2;
    /** The largest buffer kept for reuse ({@code -Dpanface.cpu.scratchKeepBytes}, default 64 MiB: B of a 4096^2 product). */
    static final long KEEP_BYTES = RuntimeConfig.startup().scratchKeepBytes();
    private static final Buffer[] FREE = new Buffer[KEEP];
    private static int kept;

    private NativeScratch() {
    }

    /** A native buffer and the arena that frees it. */
    public record Buffer(Arena arena, MemorySegment segment) {
    }

    /** A buffer of at least the given number of floats. */
    public static Buffer take(long floats) {
        long bytes = Math.max(64, 4 * floats);
        synchronized (FREE) {
            // the smallest kept buffer that fits
            int best = -1;
            for (int i = 0; i < kept; i++) {
                if (FREE[i].segment().byteSize() >= bytes && (best < 0 || FREE[i].segment().byteSize() < FREE[best].segment().byteSize())) {
                    best = i;
                }
            }
            if (best >= 0) {
                Buffer b = FREE[best];
                FREE[best] = FREE[--kept];
                FREE[kept] = null;
                return b;
            }
        }
        // round up so that slightly larger products reuse the buffer
        long size = Math.max(1L << 16, Long.highestOneBit(bytes - 1) << 1);
        Arena arena = Arena.ofShared();
        return new Buffer(arena, arena.allocate(size, 64));
    }

    /** Returns a buffer for reuse; when enough are kept, the smallest of them and it is freed. */
    public static void give(Buffer b) {
        if (b.segment().byteSize() > KEEP_BYTES) {
            b.arena().close();
            return;
        }
        Buffer drop = b;
        synchronized (FREE) {
            if (kept < KEEP) {
                FREE[kept++] = b;
                drop = null;
            } else {
                int smallest = 0;
                for (int i = 1; i < kept; i++) {
                    if (FREE[i].segment().byteSize() < FREE[smallest].segment().byteSize()) {
                        smallest = i;
                    }
                }
                if (FREE[smallest].segment().byteSize() < b.segment().byteSize()) {
                    drop = FREE[smallest];
                    FREE[smallest] = b;
                }
            }
        }
        if (drop != null) {
            drop.arena().close();
        }
    }
}
