package panface.distributed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import panface.tensor.Tensor;

/**
 * A test vehicle: ranks as threads of one JVM, exchanging tensors through the host. It exists so
 * that every distributed algorithm (sharded Partial FC, data-parallel gradients, checkpoints of
 * shards) runs and is checked on a CPU-only machine with any world size; it is not a training
 * engine (every collective copies through Java arrays and synchronises all threads).
 *
 * <p>Each collective is a two-step exchange under one lock: every rank deposits a host copy of
 * its tensor, the last to arrive publishes the set, and every rank builds its own result in its
 * own scope on its tensor's device. A rank that fails ({@link #run} reports it) or does not arrive
 * within the time-out makes the others' collectives throw, naming it. {@link
 * Communicator#allReduceAsync} runs on a collective thread of the rank, beside the rank's own
 * thread, as a collective library's stream runs beside the training loop.
 */
public final class InProcessGroup {
    /** The work of one rank. */
    @FunctionalInterface
    public interface RankTask<T> {
        T run(Communicator comm) throws Exception;
    }

    private final int world;
    private final long timeoutNanos;
    private final Object lock = new Object();
    private final HostBuffer[] deposits;
    private final String[] ops;
    private List<HostBuffer> published;
    private String publishedOp;
    private int arrived;
    private long generation;
    private String failure;

    /** A group of {@code world} ranks whose collectives wait at most {@code timeoutMillis} for the others. */
    public InProcessGroup(int world, long timeoutMillis) {
        if (world < 1) {
            throw new IllegalArgumentException("world size must be >= 1, got " + world);
        }
        this.world = world;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.deposits = new HostBuffer[world];
        this.ops = new String[world];
    }

    /** Rank r's communicator. */
    public Communicator communicator(int rank) {
        if (rank < 0 || rank >= world) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, " + world + ")");
        }
        return new Member(rank);
    }

    /**
     * Runs the task on {@code world} threads, one per rank, and returns their results in rank
     * order. When a rank throws, the others' pending collectives fail and the first failure is
     * rethrown, naming its rank.
     */
    public static <T> List<T> run(int world, RankTask<T> task) {
        InProcessGroup group = new InProcessGroup(world, 60_000);
        List<T> results = new ArrayList<>(java.util.Collections.nCopies(world, null));
        Throwable[] errors = new Throwable[world];
        Thread[] threads = new Thread[world];
        for (int r = 0; r < world; r++) {
            int rank = r;
            threads[r] = Thread.ofPlatform().name("rank-" + r).start(() -> {
                try (Communicator c = group.communicator(rank)) {
                    results.set(rank, task.run(c));
                } catch (Throwable t) {
                    errors[rank] = t;
                    group.fail(rank, t);
                }
            });
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("interrupted while waiting for the ranks", e);
            }
        }
        for (int r = 0; r < world; r++) {
            // the first rank whose own error is not the echo of another rank's failure
            if (errors[r] != null && !(errors[r] instanceof CollectiveException ce && ce.getMessage().contains("failed:"))) {
                throw new CollectiveException("rank " + r + " failed: " + errors[r], errors[r]);
            }
        }
        for (int r = 0; r < world; r++) {
            if (errors[r] != null) {
                throw new CollectiveException("rank " + r + " failed: " + errors[r], errors[r]);
            }
        }
        return results;
    }

    /** Marks a rank as failed: every pending and later collective of the group throws. */
    public void fail(int rank, Throwable cause) {
        synchronized (lock) {
            if (failure == null) {
                failure = "rank " + rank + " failed: " + cause;
            }
            lock.notifyAll();
        }
    }

    private List<HostBuffer> exchange(int rank, String op, HostBuffer mine) {
        synchronized (lock) {
            if (failure != null) {
                throw new CollectiveException(failure);
            }
            deposits[rank] = mine;
            ops[rank] = op;
            long gen = generation;
            if (++arrived == world) {
                published = Arrays.asList(deposits.clone());
                publishedOp = String.join(",", ops);
                Arrays.fill(deposits, null);
                arrived = 0;
                generation++;
                lock.notifyAll();
            } else {
                long deadline = System.nanoTime() + timeoutNanos;
                while (generation == gen && failure == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        List<Integer> missing = new ArrayList<>();
                        for (int r = 0; r < world; r++) {
                            if (deposits[r] == null) {
                                missing.add(r);
                            }
                        }
                        String msg = op + " on rank " + rank + " timed out: " + CollectiveException.ranks(missing) + " did not arrive";
                        failure = msg;
                        lock.notifyAll();
                        throw new CollectiveException(msg);
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CollectiveException(op + " on rank " + rank + " was interrupted", e);
                    }
                }
                if (generation == gen) {
                    throw new CollectiveException(failure);
                }
            }
            String[] called = publishedOp.split(",");
            for (int r = 0; r < world; r++) {
                if (!called[r].equals(called[0])) {
                    throw new CollectiveException("mismatched collectives: rank 0 called " + called[0] + " but rank " + r + " called " + called[r]);
                }
            }
            return published;
        }
    }

    private final class Member implements Communicator {
        private final int rank;
        private final CollectiveThread async;
        private volatile boolean closed;

        Member(int rank) {
            this.rank = rank;
            this.async = new CollectiveThread("rank-" + rank + "-collectives");
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return world;
        }

        private List<HostBuffer> exchange(String op, Tensor t) {
            if (closed) {
                throw new IllegalStateException("communicator of rank " + rank + " is closed");
            }
            List<HostBuffer> all = InProcessGroup.this.exchange(rank, op, t == null ? null : HostBuffer.of(t));
            if (t != null && !op.startsWith("broadcast")) {
                HostBuffer.checkSame(op, all);
            }
            return all;
        }

        @Override
        public void allReduce(Tensor t, Op op) {
            async.drain();
            reduceInPlace(t, op);
        }

        @Override
        public Work allReduceAsync(Tensor t, Op op) {
            if (closed) {
                throw new IllegalStateException("communicator of rank " + rank + " is closed");
            }
            return async.submit(() -> reduceInPlace(t, op));
        }

        private void reduceInPlace(Tensor t, Op op) {
            HostBuffer r = HostBuffer.reduce(exchange("allReduce(" + op + ")", t), op);
            // the host result's tensor is a temporary: freed here, not left in the caller's scope
            try (var g = panface.tensor.autograd.GradMode.noGrad(); var s = panface.tensor.Scope.open()) {
                t.copyFrom(r.toTensor(t.device()));
            }
        }

        @Override
        public Tensor allGather(Tensor t) {
            async.drain();
            return gather(t);
        }

        @Override
        public Work allGatherAsync(Tensor t) {
            if (closed) {
                throw new IllegalStateException("communicator of rank " + rank + " is closed");
            }
            return async.submit(() -> gather(t));
        }

        private Tensor gather(Tensor t) {
            HostBuffer all = HostBuffer.concat(exchange("allGather", t));
            return all.toTensor(t.device());
        }

        @Override
        public Tensor reduceScatter(Tensor t, Op op) {
            async.drain();
            HostBuffer r = HostBuffer.reduce(exchange("reduceScatter(" + op + ")", t), op);
            return r.block(rank, world).toTensor(t.device());
        }

        @Override
        public void broadcast(Tensor t, int root) {
            async.drain();
            List<HostBuffer> all = exchange("broadcast(" + root + ")", rank == root ? t : null);
            try (var g = panface.tensor.autograd.GradMode.noGrad()) {
                t.copyFrom(all.get(root).toTensor(t.device(), t.shape()));
            }
        }

        @Override
        public void barrier() {
            async.drain();
            exchange("barrier", null);
        }

        @Override
        public void close() {
            closed = true;
            async.close();
        }
    }
}
