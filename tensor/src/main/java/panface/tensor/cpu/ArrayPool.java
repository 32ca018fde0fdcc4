package panface.tensor.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import panface.tensor.RuntimeConfig;

/**
 * Reuses the arrays of freed host storage. Training and inference loops allocate the same large
 * activations every step; handing the arrays of a closed scope to the next step spares the
 * garbage collector (large arrays go straight to the old generation, and each one would
 * otherwise eventually cost a full collection). Only arrays of at least {@link #MIN_BYTES} are
 * kept, up to {@code -Dpanface.cpu.poolBytes} in total (default a quarter of the maximum heap).
 */
final class ArrayPool {
    static final long MIN_BYTES = 1L << 16;
    private static final long CAPACITY = RuntimeConfig.startup().poolBytes() > 0 ? RuntimeConfig.startup().poolBytes()
            : Runtime.getRuntime().maxMemory() / 4;

    private record Key(Class<?> type, int length) {
    }

    private static final Map<Key, ArrayDeque<Object>> FREE = new HashMap<>();
    private static long pooledBytes;

    private ArrayPool() {
    }

    /** A pooled array of this type and length, or null. Its contents are stale. */
    static synchronized Object take(Class<?> type, int length, long bytes) {
        if (bytes < MIN_BYTES) {
            return null;
        }
        ArrayDeque<Object> q = FREE.get(new Key(type, length));
        Object a = q == null ? null : q.pollLast();
        if (a != null) {
            pooledBytes -= bytes;
        }
        return a;
    }

    /** Offers the array of a freed storage back to the pool. */
    static synchronized void give(Object array, int length, long bytes) {
        if (bytes < MIN_BYTES || pooledBytes + bytes > CAPACITY) {
            return;
        }
        FREE.computeIfAbsent(new Key(array.getClass(), length), k -> new ArrayDeque<>()).addLast(array);
        pooledBytes += bytes;
    }

    /** Bytes currently held for reuse. */
    static synchronized long pooledBytes() {
        return pooledBytes;
    }

    /** Drops every pooled array (they become garbage). */
    static synchronized void clear() {
        FREE.clear();
        pooledBytes = 0;
    }
}
