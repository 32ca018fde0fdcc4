package panface.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.nativebindings.cublas.CublasHandle;
import panface.nativebindings.cuda.Cuda;
import panface.tensor.Device;

/**
 * One GPU as the backend uses it: its primary context, one non-blocking stream that all work is
 * queued on (so work from any thread runs in the order it was queued), the caching allocator,
 * the compiled kernels, a cuBLAS handle, a pinned staging buffer for host copies and a small
 * device buffer where kernels report bad indices.
 */
final class CudaDevice {
    private static final long STAGING_BYTES = 32L << 20;
    private static final int ERR_WORDS = 5;

    private final Device device;
    private final Cuda.DeviceInfo info;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final CudaAllocator allocator;
    private final CudaKernels kernels;
    private final long errorBuffer;
    private final MemorySegment staging;
    private final MemorySegment errorHost;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private CublasHandle cublas;
    private final java.util.concurrent.ConcurrentHashMap<Long, Integer> sharedLimits = new java.util.concurrent.ConcurrentHashMap<>();

    CudaDevice(Device device) {
        this.device = device;
        this.info = Cuda.device(device.index());
        this.context = Cuda.retainPrimaryContext(device.index());
        Cuda.setCurrentContext(context);
        current.set(true);
        this.stream = Cuda.streamCreate();
        this.allocator = new CudaAllocator(this);
        this.kernels = new CudaKernels(this);
        this.errorBuffer = Cuda.memAlloc(4L * ERR_WORDS);
        Cuda.memsetD32(errorBuffer, 0, ERR_WORDS, stream);
        this.staging = Cuda.memAllocHost(STAGING_BYTES);
        this.errorHost = Arena.global().allocate(4L * ERR_WORDS, 4);
        Cuda.streamSynchronize(stream);
    }

    Device device() {
        return device;
    }

    Cuda.DeviceInfo info() {
        return info;
    }

    MemorySegment stream() {
        return stream;
    }

    CudaAllocator allocator() {
        return allocator;
    }

    CudaKernels kernels() {
        return kernels;
    }

    String describe() {
        return device + " (" + info.name() + ", " + CudaAllocator.mib(info.totalMemory()) + ")";
    }

    /** Makes the device's context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (!current.get()) {
            Cuda.setCurrentContext(context);
            current.set(true);
        }
    }

    /** The cuBLAS handle (created on first use); callers hold the device's GEMM lock. */
    synchronized CublasHandle cublas() {
        if (cublas == null) {
            makeCurrent();
            cublas = CublasHandle.create(stream);
        }
        return cublas;
    }

    void memsetZero(long address, long bytes) {
        makeCurrent();
        if (bytes % 4 == 0 && address % 4 == 0) {
            Cuda.memsetD32(address, 0, bytes / 4, stream);
        } else {
            Cuda.memsetD8(address, (byte) 0, bytes, stream);
        }
    }

    /** Launches a kernel of a source file with the arguments packed so far. */
    void launch(String file, String kernel, int gx, int gy, int bx, int sharedBytes, KernelArgs args) {
        makeCurrent();
        MemorySegment f = kernels.function(file, kernel);
        if (sharedBytes > 48 * 1024) {
            // raise the function's dynamic shared-memory limit once (per size it has to cover)
            Integer set = sharedLimits.get(f.address());
            if (set == null || set < sharedBytes) {
                Cuda.setMaxDynamicSharedMemory(f, sharedBytes);
                sharedLimits.merge(f.address(), sharedBytes, Math::max);
            }
        }
        Cuda.launch(f, kernel, gx, gy, 1, bx, 1, 1, sharedBytes, stream, args.params());
    }

    /** Threads per block of {@link #launch1d}. */
    static final int LAUNCH1D_THREADS = 256;

    /** A grid-stride launch over n elements (nothing for n = 0). */
    void launch1d(String file, String kernel, long n, KernelArgs args) {
        if (n <= 0) {
            return;
        }
        int threads = LAUNCH1D_THREADS;
        long blocks = Math.min((n + threads - 1) / threads, (long) info.multiprocessors() * 32);
        launch(file, kernel, (int) Math.max(1, blocks), 1, threads, 0, args);
    }

    long errorBuffer() {
        return errorBuffer;
    }

    /**
     * Waits for the queued work and raises the first error a kernel reported since the last
     * check (a bad index or an integer division by zero), naming the operation.
     */
    void checkErrors(String op) {
        makeCurrent();
        synchronized (errorHost) {
            Cuda.copyDeviceToHost(errorHost, errorBuffer, 4L * ERR_WORDS, stream);
            Cuda.streamSynchronize(stream);
            int code = errorHost.get(ValueLayout.JAVA_INT, 0);
            if (code == 0) {
                return;
            }
            long value = (errorHost.get(ValueLayout.JAVA_INT, 4) & 0xffffffffL) | ((long) errorHost.get(ValueLayout.JAVA_INT, 8) << 32);
            int bound = errorHost.get(ValueLayout.JAVA_INT, 12);
            int pos = errorHost.get(ValueLayout.JAVA_INT, 16);
            Cuda.memsetD32(errorBuffer, 0, ERR_WORDS, stream);
            Cuda.streamSynchronize(stream);
            if (code == 2) {
                throw new ArithmeticException(op + ": integer division by zero");
            }
            throw new IndexOutOfBoundsException(op + ": index " + value + " at position " + pos + " is out of range [0, " + bound + ")");
        }
    }

    /** Waits until all queued work has finished. */
    void synchronize() {
        makeCurrent();
        Cuda.streamSynchronize(stream);
    }

    /** Copies bytes from a host segment to device memory through the pinned staging buffer. */
    void upload(long dst, MemorySegment src, long bytes) {
        makeCurrent();
        synchronized (staging) {
            for (long done = 0; done < bytes; done += STAGING_BYTES) {
                long n = Math.min(STAGING_BYTES, bytes - done);
                MemorySegment.copy(src, done, staging, 0, n);
                Cuda.copyHostToDevice(dst + done, staging, n, stream);
                Cuda.streamSynchronize(stream);
            }
        }
    }

    /** Copies bytes from device memory to a host segment (after all queued work). */
    void download(MemorySegment dst, long src, long bytes) {
        makeCurrent();
        synchronized (staging) {
            for (long done = 0; done < bytes; done += STAGING_BYTES) {
                long n = Math.min(STAGING_BYTES, bytes - done);
                Cuda.copyDeviceToHost(staging, src + done, n, stream);
                Cuda.streamSynchronize(stream);
                MemorySegment.copy(staging, 0, dst, done, n);
            }
        }
    }
}
