package panface.tensor.cuda;

import java.lang.ref.Cleaner;

/**
 * Hands a device block back to its allocator exactly once: when its storage is closed (its scope
 * closes, or {@code close()} is called) or, for a storage no scope owns, when the collector finds
 * the storage unreachable. This is the memory rule host tensors already follow (a host array
 * outside any scope is reclaimed by the collector), so the same code runs on either device.
 *
 * <p>Releasing only returns the block to the caching allocator's free list: no driver call, so
 * it is safe on the collector's cleaner thread. It is also safe while kernels that read the block
 * are still queued: every kernel and copy runs on the device's one stream, so whoever gets the
 * block next queues its work after them (the same argument as for a closing scope).
 */
final class DeviceBlockRelease implements Runnable {
    /** Where a block goes back to. */
    interface Sink {
        void release(long address, long bytes);
    }

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "panface-device-memory-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final Sink sink;
    private final long address;
    private final long bytes;

    private DeviceBlockRelease(Sink sink, long address, long bytes) {
        this.sink = sink;
        this.address = address;
        this.bytes = bytes;
    }

    /**
     * Tracks a block held by owner. The returned handle's {@code clean()} releases it now (later
     * calls and the collector then do nothing); if owner becomes unreachable first, the collector
     * releases it. The action must not refer to owner, or owner would never become unreachable.
     */
    static Cleaner.Cleanable track(Object owner, Sink sink, long address, long bytes) {
        return CLEANER.register(owner, new DeviceBlockRelease(sink, address, bytes));
    }

    @Override
    public void run() {
        sink.release(address, bytes);
    }
}
