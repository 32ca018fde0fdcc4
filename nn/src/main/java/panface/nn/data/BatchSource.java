package panface.nn.data;

/**
 * An endless, deterministic stream of training batches (a data loader, or a generator of
 * synthetic identities). The batch at a given position depends only on the source's
 * configuration and seed, never on timing or thread count, so a resumed run that
 * {@link #seek}s to its saved position sees exactly the batches an uninterrupted run would.
 */
public interface BatchSource extends AutoCloseable {
    /** Identities (classes): every label is in [0, numClasses). */
    int numClasses();

    /** Batches in one pass over the data (an epoch); the epoch of batch p is p / batchesPerEpoch. */
    long batchesPerEpoch();

    /** The next batch; blocks until it is ready. */
    Batch next();

    /** How many batches {@link #next} has returned since position 0. */
    long position();

    /** Continue from position p: the next call of {@link #next} returns batch p. */
    void seek(long position);

    /**
     * Hands a batch's arrays back once the caller is done with them (for example after copying
     * them into a tensor), so that the source may fill them again for a later batch instead of
     * allocating: a training loop that recycles allocates nothing per batch, which keeps the
     * collector from copying and promoting batch-sized arrays. The batch must not be used
     * afterwards. Optional: a source may ignore it (the default), and a caller may never call it.
     */
    default void recycle(Batch batch) {
    }

    /** Stops any worker threads and releases files and buffers. */
    @Override
    void close();
}
