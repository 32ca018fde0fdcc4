package panface.tensor.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import panface.nativebindings.NativeCallException;
import panface.nativebindings.cuda.Cuda;

/**
 * A caching allocator for one device: freed blocks go to a free list per size class and are
 * handed out again without a driver call. All work runs on the device's one stream, so a block
 * freed by a tensor whose kernels are still queued is only reused by work queued after them.
 * When the driver is out of memory the cache is returned to it and the allocation retried; if that
 * fails too, the collector is asked to find storages no scope owns and no tensor reaches any more
 * (their blocks come back through {@link DeviceBlockRelease}), and the allocation is tried a last time.
 */
final class CudaAllocator {
    private static final long SMALL = 1L << 20;

    private final CudaDevice device;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long inUse;
    private long cached;
    private long peak;
    private long driverCalls;

    CudaAllocator(CudaDevice device) {
        this.device = device;
    }

    /** The size class of a request: 512-byte steps below 1 MiB, 1 MiB steps above. */
    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        return b < SMALL ? (b + 511) / 512 * 512 : (b + SMALL - 1) / SMALL * SMALL;
    }

    synchronized long allocate(long bytes) {
        long size = sizeClass(bytes);
        ArrayDeque<Long> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            cached -= size;
            inUse += size;
            peak = Math.max(peak, inUse);
            return list.pop();
        }
        long ptr;
        try {
            device.makeCurrent();
            ptr = Cuda.memAlloc(size);
        } catch (NativeCallException e) {
            if (!Cuda.isOutOfMemory(e)) {
                throw e;
            }
            releaseCache();
            try {
                ptr = Cuda.memAlloc(size);
            } catch (NativeCallException again) {
                if (!Cuda.isOutOfMemory(again)) {
                    throw again;
                }
                if (!collectUnreachable()) {
                    throw outOfMemory(bytes, again);
                }
                releaseCache();
                try {
                    ptr = Cuda.memAlloc(size);
                } catch (NativeCallException last) {
                    if (!Cuda.isOutOfMemory(last)) {
                        throw last;
                    }
                    throw outOfMemory(bytes, last);
                }
            }
        }
        driverCalls++;
        inUse += size;
        peak = Math.max(peak, inUse);
        return ptr;
    }

    synchronized void release(long ptr, long bytes) {
        long size = sizeClass(bytes);
        inUse -= size;
        cached += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(ptr);
        notifyAll();
    }

    /**
     * Runs the collector and waits briefly for the blocks of unreachable storages to come back;
     * true when some did. Called holding this monitor: waiting releases it, so the cleaner
     * thread's {@link #release} can run.
     */
    private boolean collectUnreachable() {
        long before = cached;
        System.gc();
        long deadline = System.nanoTime() + 200_000_000L;
        try {
            while (cached == before) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return cached != before;
    }

    /** Returns every cached block to the driver (after the stream has finished with them). */
    synchronized void releaseCache() {
        if (cached == 0) {
            return;
        }
        device.makeCurrent();
        Cuda.streamSynchronize(device.stream());
        for (ArrayDeque<Long> list : free.values()) {
            for (long p : list) {
                Cuda.memFree(p);
            }
        }
        free.clear();
        cached = 0;
    }

    private DeviceOutOfMemoryException outOfMemory(long bytes, NativeCallException cause) {
        String driver = "";
        try {
            long[] info = Cuda.memoryInfo();
            driver = "; the driver reports " + mib(info[0]) + " free of " + mib(info[1]);
        } catch (RuntimeException e) {
            driver = "";
        }
        return new DeviceOutOfMemoryException("CUDA out of memory on " + device.describe() + ": asked for " + mib(bytes) + ", "
                + mib(inUse) + " in use by live tensors, " + mib(cached) + " cached" + driver
                + ". Close scopes that hold tensors you no longer need, or use a smaller batch.", cause);
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    synchronized long inUse() {
        return inUse;
    }

    synchronized long cached() {
        return cached;
    }

    synchronized long peak() {
        return peak;
    }

    synchronized long driverAllocations() {
        return driverCalls;
    }
}
