package panface.tensor.cpu.runtime;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import panface.tensor.RuntimeConfig;

/**
 * Reuses the arrays of freed host storage. Training and inference loops allocate the same large
 * activations every step; handing the arrays of a closed scope to the next step spares the
 * garbage collector (large arrays go straight to the old generation, and each one would otherwise
 * eventually cost a full collection). Only arrays of at least {@link #MIN_BYTES} are kept, up to
 * {@code -Dpanface.cpu.poolBytes} in total (default half the maximum heap: an IResNet-50 training
 * step at batch 32 holds more tensors at its peak than a quarter of a default heap, and whatever
 * the pool cannot keep is allocated again next step, lives through a young collection and is
 * copied into the old generation; see the README for the measurement). Kernels borrow large
 * scratch arrays the same way ({@link #floats}, {@link #giveBack}). The pool holds them softly:
 * when the heap runs short, the collector takes pooled arrays back before it would fail an
 * allocation, so the pool never pins memory that live tensors need.
 */
public final class ArrayPool {
    static final long MIN_BYTES = 1L << 16;
    private static final long CAPACITY = RuntimeConfig.startup().poolBytes() > 0 ? RuntimeConfig.startup().poolBytes()
            : Runtime.getRuntime().maxMemory() / 2;

    private record Key(Class<?> type, int length) {
    }

    /** A pooled array, with what the pool's bookkeeping needs once the collector has cleared it. */
    private static final class Pooled extends SoftReference<Object> {
        final Key key;
        final long bytes;

        Pooled(Object array, Key key, long bytes) {
            super(array, CLEARED);
            this.key = key;
            this.bytes = bytes;
        }
    }

    private static final ReferenceQueue<Object> CLEARED = new ReferenceQueue<>();
    private static final Map<Key, ArrayDeque<Pooled>> FREE = new HashMap<>();
    private static long pooledBytes;

    private ArrayPool() {
    }

    /** A pooled array of this type and length, or null. Its contents are stale. */
    static synchronized Object take(Class<?> type, int length, long bytes) {
        if (bytes < MIN_BYTES) {
            return null;
        }
        forgetCleared();
        ArrayDeque<Pooled> q = FREE.get(new Key(type, length));
        while (q != null && !q.isEmpty()) {
            Pooled p = q.pollLast();
            pooledBytes -= p.bytes;
            Object a = p.get();
            p.clear();
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    /** Offers the array of a freed storage back to the pool. */
    static synchronized void give(Object array, int length, long bytes) {
        forgetCleared();
        if (bytes < MIN_BYTES || pooledBytes + bytes > CAPACITY) {
            return;
        }
        Key k = new Key(array.getClass(), length);
        FREE.computeIfAbsent(k, x -> new ArrayDeque<>()).addLast(new Pooled(array, k, bytes));
        pooledBytes += bytes;
    }

    /**
     * A float array of exactly n elements for a kernel's scratch, pooled when there is one; its
     * contents are stale. Hand it back with {@link #giveBack} once the kernel is done with it.
     */
    public static float[] floats(int n) {
        Object a = take(float[].class, n, 4L * n);
        return a != null ? (float[]) a : new float[n];
    }

    /** Returns a scratch array from {@link #floats} to the pool. */
    public static void giveBack(float[] a) {
        give(a, a.length, 4L * a.length);
    }

    /** Bytes currently held for reuse (arrays the collector took back are counted until noticed). */
    static synchronized long pooledBytes() {
        return pooledBytes;
    }

    /** Drops every pooled array (they become garbage). */
    public static synchronized void clear() {
        FREE.clear();
        pooledBytes = 0;
    }

    /** Removes the entries whose arrays the collector has taken back. */
    private static void forgetCleared() {
        for (Reference<?> r; (r = CLEARED.poll()) != null; ) {
            Pooled p = (Pooled) r;
            ArrayDeque<Pooled> q = FREE.get(p.key);
            if (q != null && q.remove(p)) {
                pooledBytes -= p.bytes;
            }
        }
    }
}
