package panface.distributed;

import panface.tensor.Tensor;

/**
 * One rank's view of a group of processes (or threads) that run the same program on their own
 * data: collective operations that every rank must call in the same order with tensors of the
 * same shape and dtype. Tensors stay on their device; in-place operations need contiguous
 * tensors. Implementations: {@link NcclCollectives} (one process per GPU, the production
 * engine), {@link StoreCollectives} (CPU processes through the rendezvous store, slow, for
 * multi-process runs without a GPU) and {@link InProcessGroup} (ranks as threads of one JVM, the
 * test vehicle of every distributed algorithm).
 */
public interface Communicator extends AutoCloseable {

    /** Reductions of {@link #allReduce} and {@link #reduceScatter}. */
    enum Op {
        SUM, MAX
    }

    /** This rank, in [0, worldSize). */
    int rank();

    /** The number of ranks. */
    int worldSize();

    /** Replaces t on every rank with the reduction over ranks of every rank's t (in place). */
    void allReduce(Tensor t, Op op);

    /**
     * The concatenation along dimension 0 of every rank's t, in rank order (a new tensor of
     * shape (worldSize * t.size(0), ...)); every rank's t must have the same shape.
     */
    Tensor allGather(Tensor t);

    /**
     * Reduces t (shape (worldSize * n, ...)) over ranks and returns this rank's block of n rows
     * (a new tensor): rows [rank * n, (rank + 1) * n) of the reduction.
     */
    Tensor reduceScatter(Tensor t, Op op);

    /** Replaces t on every rank with root's t (in place). */
    void broadcast(Tensor t, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /** Releases the communicator; collectives after it fail. */
    @Override
    void close();
}
