package panface.tensor.cuda;

import panface.tensor.DType;
import panface.tensor.Storage;

/** Device memory of one tensor storage, from the device's caching allocator. */
final class CudaStorage extends Storage {
    private final CudaDevice cuda;
    private final long address;
    private final long bytes;

    CudaStorage(CudaDevice cuda, DType dtype, int numel, boolean zero) {
        long size = (long) numel * dtype.byteSize();
        long p = cuda.allocator().allocate(size);
        if (zero && size > 0) {
            cuda.memsetZero(p, size);
        }
        super(cuda.device(), dtype, numel);
        this.cuda = cuda;
        this.address = p;
        this.bytes = size;
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
        cuda.allocator().release(address, bytes);
    }
}
