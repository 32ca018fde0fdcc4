package panface.tensor;

import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

import panface.tensor.backend.Backend;
import panface.tensor.backend.BackendProvider;

/**
 * Finds the backend of a device through the {@link BackendProvider}s registered with
 * {@link ServiceLoader} (the core names no backend): the CPU's is always there; a GPU's says what it
 * looked for when its device cannot be used.
 */
public final class Backends {
    private static final ConcurrentHashMap<Device, Backend> CACHE = new ConcurrentHashMap<>();

    private Backends() {
    }

    /** The CPU backend, looked up once: most calls ask for it. */
    private static final class Cpu {
        static final Backend BACKEND = load(Device.CPU);
    }

    /** The backend serving a device; an error that explains why when the device cannot be used. */
    public static Backend of(Device device) {
        if (device.isCpu()) {
            return Cpu.BACKEND;
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
        if (device.isCpu()) {
            throw new IllegalStateException("the CPU backend is not registered (META-INF/services/" + BackendProvider.class.getName()
                    + " is missing from the class path): " + why);
        }
        throw new IllegalStateException("device " + device + " is not available: " + why + "; the CPU backend is always available (Device.CPU)");
    }
}
