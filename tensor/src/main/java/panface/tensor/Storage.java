package panface.tensor;

/**
 * A block of memory holding {@code numel} elements of one dtype on one device. One rule on every
 * device: a storage belongs to the {@link Scope} that was current on the allocating thread, and
 * closing that scope frees it; a storage allocated outside any scope belongs to the garbage
 * collector, which frees it once no tensor reaches it (host arrays by being collected, device
 * blocks through a cleaner that returns them to the device's allocator). A freed storage refuses
 * all further access with a clear error.
 */
public abstract class Storage implements AutoCloseable {
    private final Device device;
    private final DType dtype;
    private final int numel;
    private volatile boolean closed;
    private volatile boolean heldForBackward;
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
    volatile Scope owner;

    protected Storage(Device device, DType dtype, int numel) {
        this.device = device;
        this.dtype = dtype;
        this.numel = numel;
        Scope.adoptNew(this);
    }

    public final Device device() {
        return device;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int numel() {
        return numel;
    }

    /** Size in bytes. */
    public final long byteSize() {
        return (long) numel * dtype.byteSize();
    }

    public final boolean isClosed() {
        return closed;
    }

    /** The scope that owns this storage, or null for memory the collector reclaims. */
    public final Scope owner() {
        return owner;
    }

    /**
     * Marks memory that only a recorded graph refers to: an intermediate of a module's forward,
     * kept because a node needs it for the backward. The backward frees it as soon as the last
     * node that needs it has run (for the autograd engine).
     */
    public final void holdForBackward() {
        heldForBackward = true;
    }

    /** Whether {@link #holdForBackward} marked this memory. */
    public final boolean isHeldForBackward() {
        return heldForBackward;
    }

    /**
     * A counter of writes into this memory after it was made (PyTorch's version counter, shared by
     * every view of the storage): {@link Tensor}'s in-place methods and optimizer steps advance it,
     * so whatever is derived from the values (a packed or folded weight) can tell that it is out
     * of date by comparing the count it was made at.
     */
    public final long version() {
        return version.get();
    }

    /** Records a write into this memory (see {@link #version()}); for code that writes through a backend kernel directly. */
    public final void bumpVersion() {
        version.incrementAndGet();
    }

    /** Throws when the storage has been freed. */
    public final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this tensor's memory (" + dtype + "[" + numel + "] on " + device
                    + ") was freed when its scope closed; keep results you need with Scope.keep(...) or copy them out before closing the scope");
        }
    }

    /** Frees the memory now. Idempotent. */
    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Scope s = owner;
        if (s != null) {
            s.forget(this);
        }
        free();
    }

    /** Releases the underlying memory; called once. */
    protected abstract void free();
}
