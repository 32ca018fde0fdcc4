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

    /** "rank 1" or "ranks 1, 3", for messages naming ranks. */
    static String ranks(java.util.List<Integer> ranks) {
        StringBuilder sb = new StringBuilder(ranks.size() == 1 ? "rank " : "ranks ");
        for (int i = 0; i < ranks.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(ranks.get(i));
        }
        return sb.toString();
    }

    /** A time-out for messages: whole seconds, or milliseconds below ten seconds. */
    static String duration(java.time.Duration d) {
        return d.toMillis() < 10_000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }
}
