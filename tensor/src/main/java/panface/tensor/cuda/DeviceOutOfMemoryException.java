package panface.tensor.cuda;

/**
 * A device allocation failed even after the allocator returned its cached blocks to the driver.
 * The message says how much was asked for, how much live tensors hold, how much was cached and
 * what the driver reported free.
 */
public final class DeviceOutOfMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeviceOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
