package panface.nativebindings.cuda;

import static panface.nativebindings.cuda.gen.CudaDriver.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.nativebindings.CStrings;
import panface.nativebindings.NativeCallException;
import panface.nativebindings.NativeLibraries;
import panface.nativebindings.NativeLibraryException;

/**
 * Checked facade over the generated CUDA driver bindings: every status is checked and a failure
 * is a {@link NativeCallException} naming the function, the code, its name and the driver's own
 * description. Device pointers are the driver's 64-bit {@code CUdeviceptr} values; they stay
 * inside the objects that own them (storages, allocators).
 */
public final class Cuda {
    private static final Object LOCK = new Object();
    private static volatile boolean initialized;
    private static volatile RuntimeException initFailure;

    private Cuda() {
    }

    /** Loads libcuda and calls cuInit once; rethrows the first failure on later calls. */
    public static void init() {
        if (initialized) {
            return;
        }
        synchronized (LOCK) {
            if (initialized) {
                return;
            }
            if (initFailure != null) {
                throw initFailure;
            }
            try {
                NativeLibraries.load(NativeLibraries.CUDA);
                check(cuInit(0), "cuInit");
                initialized = true;
            } catch (NativeLibraryException | NativeCallException | UnsatisfiedLinkError e) {
                initFailure = e instanceof RuntimeException r ? r : new NativeLibraryException(e.getMessage(), e);
                throw initFailure;
            }
        }
    }

    /** Null when the driver loads and reports at least one device; otherwise why not. */
    public static String unavailableReason() {
        try {
            init();
            int n = deviceCount();
            return n > 0 ? null : "the CUDA driver reports no devices";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Throws when status is not CUDA_SUCCESS. */
    public static void check(int status, String function) {
        if (status != 0) {
            throw error(status, function, null);
        }
    }

    /** The exception for a failed call (with the driver's name and description of the code). */
    public static NativeCallException error(int status, String function, String detail) {
        String name = null;
        String text = null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.ADDRESS);
            if (cuGetErrorName(status, p) == 0) {
                name = CStrings.read(p.get(ValueLayout.ADDRESS, 0));
            }
            if (cuGetErrorString(status, p) == 0) {
                text = CStrings.read(p.get(ValueLayout.ADDRESS, 0));
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            text = "(no description: " + e.getMessage() + ")";
        }
        return new NativeCallException("CUDA driver", function, status, name, text, detail);
    }

    /** True for CUDA_ERROR_OUT_OF_MEMORY. */
    public static boolean isOutOfMemory(NativeCallException e) {
        return "CUDA driver".equals(e.library()) && e.code() == CUDA_ERROR_OUT_OF_MEMORY();
    }

    /** The driver's CUDA version as major*1000 + minor*10. */
    public static int driverVersion() {
        init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(cuDriverGetVersion(v), "cuDriverGetVersion");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public static int deviceCount() {
        init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(cuDeviceGetCount(v), "cuDeviceGetCount");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** What the backend needs to know about a device. */
    public record DeviceInfo(int ordinal, String name, int major, int minor, int multiprocessors, long totalMemory,
                             int sharedMemoryPerBlockOptin, int l2Bytes) {
        /** "sm_90" style architecture name. */
        public String arch() {
            return "sm_" + major + minor;
        }
    }

    public static DeviceInfo device(int ordinal) {
        init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(ValueLayout.JAVA_INT);
            check(cuDeviceGet(dev, ordinal), "cuDeviceGet");
            int d = dev.get(ValueLayout.JAVA_INT, 0);
            MemorySegment name = a.allocate(256);
            check(cuDeviceGetName(name, 256, d), "cuDeviceGetName");
            MemorySegment total = a.allocate(ValueLayout.JAVA_LONG);
            check(cuDeviceTotalMem_v2(total, d), "cuDeviceTotalMem_v2");
            return new DeviceInfo(ordinal, name.getString(0), attribute(d, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR()),
                    attribute(d, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR()), attribute(d, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT()),
                    total.get(ValueLayout.JAVA_LONG, 0), attribute(d, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN()),
                    attribute(d, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE()));
        }
    }

    private static int attribute(int dev, int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Retains the device's primary context (the one the CUDA runtime and PyTorch share). */
    public static MemorySegment retainPrimaryContext(int ordinal) {
        init();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(ValueLayout.JAVA_INT);
            check(cuDeviceGet(dev, ordinal), "cuDeviceGet");
            MemorySegment ctx = a.allocate(ValueLayout.ADDRESS);
            check(cuDevicePrimaryCtxRetain(ctx, dev.get(ValueLayout.JAVA_INT, 0)), "cuDevicePrimaryCtxRetain");
            return ctx.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void setCurrentContext(MemorySegment ctx) {
        check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    public static MemorySegment currentContext() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ValueLayout.ADDRESS);
            check(cuCtxGetCurrent(ctx), "cuCtxGetCurrent");
            return ctx.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void synchronizeContext() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** {free, total} bytes of device memory of the current context's device. */
    public static long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.JAVA_LONG);
            MemorySegment t = a.allocate(ValueLayout.JAVA_LONG);
            check(cuMemGetInfo_v2(f, t), "cuMemGetInfo_v2");
            return new long[] {f.get(ValueLayout.JAVA_LONG, 0), t.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    /** Allocates device memory; out of memory is a NativeCallException with CUDA_ERROR_OUT_OF_MEMORY ({@link #isOutOfMemory}). */
    public static long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            int status = cuMemAlloc_v2(p, bytes);
            if (status != 0) {
                throw error(status, "cuMemAlloc_v2", "asked for " + bytes + " bytes");
            }
            return p.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    public static void memFree(long ptr) {
        check(cuMemFree_v2(ptr), "cuMemFree_v2");
    }

    /** Page-locked host memory of the given size, as a segment of that size. */
    public static MemorySegment memAllocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.ADDRESS);
            check(cuMemAllocHost_v2(p, bytes), "cuMemAllocHost_v2");
            return p.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    public static void memFreeHost(MemorySegment p) {
        check(cuMemFreeHost(p), "cuMemFreeHost");
    }

    public static void copyHostToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        check(cuMemcpyHtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2");
    }

    public static void copyDeviceToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        check(cuMemcpyDtoHAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2");
    }

    public static void copyDeviceToDevice(long dst, long src, long bytes, MemorySegment stream) {
        check(cuMemcpyDtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2");
    }

    public static void memsetD8(long dst, byte value, long count, MemorySegment stream) {
        check(cuMemsetD8Async(dst, value, count, stream), "cuMemsetD8Async");
    }

    public static void memsetD32(long dst, int value, long count, MemorySegment stream) {
        check(cuMemsetD32Async(dst, value, count, stream), "cuMemsetD32Async");
    }

    /** A stream that does not synchronise with the legacy default stream. */
    public static MemorySegment streamCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ValueLayout.ADDRESS);
            check(cuStreamCreate(s, CU_STREAM_NON_BLOCKING()), "cuStreamCreate");
            return s.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void streamSynchronize(MemorySegment stream) {
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    public static void streamWaitEvent(MemorySegment stream, MemorySegment event) {
        check(cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
    }

    public static void streamDestroy(MemorySegment stream) {
        check(cuStreamDestroy_v2(stream), "cuStreamDestroy_v2");
    }

    /** An event; timing events record timestamps, the others are cheaper for ordering only. */
    public static MemorySegment eventCreate(boolean timing) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(ValueLayout.ADDRESS);
            check(cuEventCreate(e, timing ? CU_EVENT_DEFAULT() : CU_EVENT_DISABLE_TIMING()), "cuEventCreate");
            return e.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void eventRecord(MemorySegment event, MemorySegment stream) {
        check(cuEventRecord(event, stream), "cuEventRecord");
    }

    public static void eventSynchronize(MemorySegment event) {
        check(cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Milliseconds between two recorded timing events. */
    public static float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(ValueLayout.JAVA_FLOAT);
            check(cuEventElapsedTime_v2(ms, start, end), "cuEventElapsedTime_v2");
            return ms.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    public static void eventDestroy(MemorySegment event) {
        check(cuEventDestroy_v2(event), "cuEventDestroy_v2");
    }

    /** Loads a module from a CUBIN or NUL-terminated PTX image. */
    public static MemorySegment moduleLoad(byte[] image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = a.allocate(image.length + 1L);
            MemorySegment.copy(image, 0, img, ValueLayout.JAVA_BYTE, 0, image.length);
            MemorySegment m = a.allocate(ValueLayout.ADDRESS);
            check(cuModuleLoadData(m, img), "cuModuleLoadData");
            return m.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void moduleUnload(MemorySegment module) {
        check(cuModuleUnload(module), "cuModuleUnload");
    }

    public static MemorySegment moduleFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ValueLayout.ADDRESS);
            int status = cuModuleGetFunction(f, module, a.allocateFrom(name));
            if (status != 0) {
                throw error(status, "cuModuleGetFunction", "kernel '" + name + "'");
            }
            return f.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** Allows a kernel more than 48 KiB of dynamic shared memory. */
    public static void setMaxDynamicSharedMemory(MemorySegment function, int bytes) {
        check(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES(), bytes), "cuFuncSetAttribute");
    }

    /**
     * Launches a kernel; {@code params} is the array of pointers to each argument that
     * cuLaunchKernel expects. The kernel name goes into the error message.
     */
    public static void launch(MemorySegment function, String name, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                              MemorySegment stream, MemorySegment params) {
        int status = cuLaunchKernel(function, gx, gy, gz, bx, by, bz, sharedBytes, stream, params, MemorySegment.NULL);
        if (status != 0) {
            throw error(status, "cuLaunchKernel", "kernel '" + name + "' grid (" + gx + "," + gy + "," + gz + ") block (" + bx + ","
                    + by + "," + bz + ") shared " + sharedBytes + " B");
        }
    }
}
