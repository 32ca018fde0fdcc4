package panface.distributed;

/**
 * A collective or rendezvous that cannot complete: a rank did not arrive in time, failed, or
 * called a different collective. The message names the ranks concerned.
 */
public final class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
