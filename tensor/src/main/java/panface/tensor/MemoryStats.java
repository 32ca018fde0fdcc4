package panface.tensor;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live and peak bytes of scope-owned tensor storage per device: counted when a scope takes a
 * storage and uncounted when the storage is freed or leaves its scope. Storage allocated outside
 * any scope belongs to the garbage collector (on every device) and is not counted.
 */
public final class MemoryStats {
    private static final ConcurrentHashMap<Device, AtomicLong> LIVE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Device, AtomicLong> PEAK = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Device, AtomicLong> COUNT = new ConcurrentHashMap<>();

    private MemoryStats() {
    }

    static void allocated(Device d, long bytes) {
        long live = LIVE.computeIfAbsent(d, k -> new AtomicLong()).addAndGet(bytes);
        PEAK.computeIfAbsent(d, k -> new AtomicLong()).accumulateAndGet(live, Math::max);
        COUNT.computeIfAbsent(d, k -> new AtomicLong()).incrementAndGet();
    }

    static void released(Device d, long bytes) {
        LIVE.computeIfAbsent(d, k -> new AtomicLong()).addAndGet(-bytes);
        COUNT.computeIfAbsent(d, k -> new AtomicLong()).decrementAndGet();
    }

    /** Bytes of storage currently allocated on a device and not yet freed. */
    public static long liveBytes(Device d) {
        AtomicLong a = LIVE.get(d);
        return a == null ? 0 : a.get();
    }

    /** Number of storages currently allocated on a device and not yet freed. */
    public static long liveStorages(Device d) {
        AtomicLong a = COUNT.get(d);
        return a == null ? 0 : a.get();
    }

    /** The highest {@link #liveBytes} seen since start or the last {@link #resetPeak}. */
    public static long peakBytes(Device d) {
        AtomicLong a = PEAK.get(d);
        return a == null ? 0 : a.get();
    }

    /** Resets the peak to the current live bytes. */
    public static void resetPeak(Device d) {
        PEAK.computeIfAbsent(d, k -> new AtomicLong()).set(liveBytes(d));
    }
}
