package panface.tensor.cuda;

import java.lang.ref.Cleaner;

import panface.tensor.DType;
import panface.tensor.Storage;

/**
 * Device memory of one tensor storage, from the device's caching allocator. It goes back to the
 * allocator when its scope closes or, if no scope owns it, when the collector finds it
 * unreachable ({@link DeviceBlockRelease}): the rule host storage follows.
 */
final class CudaStorage extends Storage {
    private final CudaDevice cuda;
    private final long address;
    private final Cleaner.Cleanable release;

    CudaStorage(CudaDevice cuda, DType dtype, int numel, boolean zero) {
        long size = (long) numel * dtype.byteSize();
        long p = cuda.allocator().allocate(size);
        if (zero && size > 0) {
            cuda.memsetZero(p, size);
        }
        super(cuda.device(), dtype, numel);
        this.cuda = cuda;
        this.address = p;
        CudaAllocator allocator = cuda.allocator();
        this.release = DeviceBlockRelease.track(this, allocator::release, p, size);
    }

    /** The device address of element 0 (valid while the storage is open). */
    long address() {
        checkOpen();
        return address;
    }

    CudaDevice cuda() {
        return cuda;
    }

    @Override
    protected void free() {
        release.clean();
    }
}
