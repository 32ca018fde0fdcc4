package panface.tensor;

import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

import panface.tensor.backend.Backend;
import panface.tensor.backend.BackendProvider;
import panface.tensor.cpu.CpuBackend;

/**
 * Finds the backend of a device. The CPU backend is always there; GPU backends come from
 * {@link BackendProvider}s and say what they looked for when their device cannot be used.
 */
public final class Backends {
    private static final ConcurrentHashMap<Device, Backend> CACHE = new ConcurrentHashMap<>();

    private Backends() {
    }

    /** The backend serving a device; an error that explains why when the device cannot be used. */
    public static Backend of(Device device) {
        if (device.isCpu()) {
            return CpuBackend.INSTANCE;
        }
        Backend b = CACHE.get(device);
        if (b != null) {
            return b;
        }
        return CACHE.computeIfAbsent(device, Backends::load);
    }

    /** True when a device can be used here (never throws). */
    public static boolean isAvailable(Device device) {
        if (device.isCpu()) {
            return true;
        }
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.kind() == device.kind() && p.unavailableReason(device) == null) {
                return true;
            }
        }
        return false;
    }

    /** Why a device cannot be used, or null when it can. */
    public static String unavailableReason(Device device) {
        if (device.isCpu()) {
            return null;
        }
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.kind() == device.kind()) {
                String r = p.unavailableReason(device);
                if (r == null) {
                    return null;
                }
                why.append(r);
            }
        }
        return why.isEmpty() ? "no backend for " + device.kind() + " is on the class path" : why.toString();
    }

    private static Backend load(Device device) {
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.kind() != device.kind()) {
                continue;
            }
            String reason = p.unavailableReason(device);
            if (reason == null) {
                return p.create(device);
            }
            why.append(reason);
        }
        if (why.isEmpty()) {
            why.append("no backend for ").append(device.kind()).append(" is on the class path");
        }
        throw new IllegalStateException("device " + device + " is not available: " + why + "; the CPU backend is always available (Device.CPU)");
    }
}
