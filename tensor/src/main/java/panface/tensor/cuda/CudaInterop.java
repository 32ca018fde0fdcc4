package panface.tensor.cuda;

import java.lang.foreign.MemorySegment;

import panface.tensor.View;

/**
 * What libraries that enqueue their own work on the backend's GPUs need (collective libraries
 * such as NCCL): a tensor's device address, the stream the backend queues all work on (work
 * enqueued there runs in order with the backend's kernels), and the device's context made
 * current on the calling thread.
 */
public final class CudaInterop {
    private CudaInterop() {
    }

    /** The device address of the tensor's first element (the tensor must be on a CUDA device). */
    public static long dataPointer(View t) {
        return CudaBackend.start(t);
    }

    /** The stream of the tensor's device. */
    public static MemorySegment stream(View t) {
        return storage(t).cuda().stream();
    }

    /** Makes the context of the tensor's device current on this thread. */
    public static void makeCurrent(View t) {
        storage(t).cuda().makeCurrent();
    }

    private static CudaStorage storage(View t) {
        if (!(t.storage() instanceof CudaStorage s)) {
            throw new IllegalArgumentException("expected a tensor on a CUDA device, got " + t.describe());
        }
        return s;
    }
}
