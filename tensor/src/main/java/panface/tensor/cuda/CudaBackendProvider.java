package panface.tensor.cuda;

import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import panface.nativebindings.NativeLibraries;
import panface.nativebindings.cublas.CublasHandle;
import panface.nativebindings.cuda.Cuda;
import panface.nativebindings.nvrtc.NvrtcCompiler;
import panface.tensor.Device;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BackendProvider;

/**
 * Registers the CUDA backend. A device is available when the driver loads and knows the
 * ordinal, and NVRTC and cuBLAS load; otherwise the reason lists what was looked for and where
 * (and the CPU backend keeps serving). The reason is logged once.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackendProvider.class);
    private static final ConcurrentHashMap<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();
    private static volatile boolean logged;

    @Override
    public Device.Kind kind() {
        return Device.Kind.CUDA;
    }

    @Override
    public String unavailableReason(Device device) {
        String why = reason(device);
        if (why != null && !logged) {
            logged = true;
            LOG.info("CUDA is not available, the CPU backend serves: {}", why);
        }
        return why;
    }

    private static String reason(Device device) {
        String driver = Cuda.unavailableReason();
        if (driver != null) {
            return driver;
        }
        int count = Cuda.deviceCount();
        if (device.index() >= count) {
            return "there is no " + device + ": the driver reports " + count + " device" + (count == 1 ? "" : "s");
        }
        try {
            NvrtcCompiler.load();
            CublasHandle.load();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    @Override
    public Backend create(Device device) {
        return BACKENDS.computeIfAbsent(device.index(), i -> new CudaBackend(new CudaDevice(device)));
    }

    /** The libraries the CUDA backend loads, for diagnostics ("panface info"). */
    public static String libraries() {
        StringBuilder sb = new StringBuilder();
        for (NativeLibraries.Spec s : new NativeLibraries.Spec[] {NativeLibraries.CUDA, NativeLibraries.NVRTC, NativeLibraries.CUBLASLT,
                NativeLibraries.CUBLAS, NativeLibraries.NCCL}) {
            String where;
            try {
                where = String.valueOf(NativeLibraries.load(s));
            } catch (RuntimeException e) {
                where = "not found";
            }
            sb.append(s.description()).append(": ").append(where).append('\n');
        }
        return sb.toString();
    }
}
