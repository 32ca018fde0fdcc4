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
     * Starts {@link #allReduce} and returns at once where the backend can run it beside the
     * caller (on a collective thread of its own, or queued on a device stream); t must not be
     * read or written until {@link Work#await}. Collectives, started or called, run in the order
     * they were issued, so every rank must issue them in the same order. The default runs it
     * now and returns finished work.
     */
    default Work allReduceAsync(Tensor t, Op op) {
        allReduce(t, op);
        return Work.done(null);
    }

    /**
     * Starts {@link #allGather} as {@link #allReduceAsync} starts an all-reduce; the gathered
     * tensor is the work's {@link Work#result} (in the scope current at {@link Work#await}).
     */
    default Work allGatherAsync(Tensor t) {
        return Work.done(allGather(t));
    }

    /** A collective started by {@link #allReduceAsync} or {@link #allGatherAsync}. */
    interface Work {
        /** Work that has already finished, with its result (null for an in-place collective). */
        static Work done(Tensor result) {
            return new Work() {
                @Override
                public void await() {
                }

                @Override
                public boolean isDone() {
                    return true;
                }

                @Override
                public Tensor result() {
                    return result;
                }
            };
        }

        /** Returns once the collective's result is in place; throws its failure. */
        void await();

        /** True once the collective has finished (or failed). */
        boolean isDone();

        /** After {@link #await}: the tensor a gathering collective made (null for an in-place one). */
        Tensor result();
    }

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
