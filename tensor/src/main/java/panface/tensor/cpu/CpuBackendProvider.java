package panface.tensor.cpu;

import panface.tensor.Device;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BackendProvider;

/** Registers the CPU backend with the backend registry; the CPU is always available. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public Device.Kind kind() {
        return Device.Kind.CPU;
    }

    @Override
    public String unavailableReason(Device device) {
        return null;
    }

    @Override
    public Backend create(Device device) {
        return CpuBackend.INSTANCE;
    }
}
