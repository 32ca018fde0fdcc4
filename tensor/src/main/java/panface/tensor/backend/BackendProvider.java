package panface.tensor.backend;

import panface.tensor.Device;

/**
 * Creates the backend of a device kind: a {@link java.util.ServiceLoader} service, declared with
 * {@code provides} in the module-info and in {@code META-INF/services} for class-path runs.
 */
public interface BackendProvider {

    /** The device kind served. */
    Device.Kind kind();

    /** Null when the device can be used; otherwise what was looked for and what went wrong. */
    String unavailableReason(Device device);

    /** The backend of an available device. */
    Backend create(Device device);
}
