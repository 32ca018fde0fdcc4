package panface.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The intra-op thread pool of the CPU backend. Its size is {@code -Dpanface.threads=N} (default:
 * the available processors). Work submitted from inside a pool thread runs on the calling thread,
 * so nested parallel loops never oversubscribe.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("panface.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS), pool -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("panface-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    private Parallel() {
    }

    /** The number of threads kernels split work across. */
    public static int threads() {
        return THREADS;
    }

    /** A body applied to the half-open range [lo, hi). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    /**
     * Runs body over [0, n) in chunks of at least {@code grain} items, in parallel when there is
     * enough work, on the calling thread otherwise. The calling thread runs the first chunk itself
     * and takes back any chunk no pool thread has started by the time it is done, so a short loop
     * costs at most one wake-up and never waits on a sleeping thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || Thread.currentThread() instanceof ForkJoinWorkerThread) {
            body.run(0, n);
            return;
        }
        Part[] parts = new Part[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            parts[c - 1] = new Part(body, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            POOL.execute(parts[c - 1]);
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Part p : parts) {
            p.runIfUnclaimed();
        }
        for (Part p : parts) {
            p.awaitDone();
            if (failure == null && p.failure != null) {
                failure = p.failure;
            } else if (p.failure != null && p.failure != failure) {
                failure.addSuppressed(p.failure);
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
    }

    /** One chunk, run by whichever of a pool thread and the caller claims it first. */
    private static final class Part extends RecursiveAction {
        private final RangeBody body;
        private final int lo;
        private final int hi;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final Thread caller = Thread.currentThread();
        private volatile boolean done;
        private volatile Throwable failure;

        Part(RangeBody body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            runIfUnclaimed();
        }

        void runIfUnclaimed() {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            try {
                body.run(lo, hi);
            } catch (Throwable t) {
                failure = t;
            } finally {
                done = true;
                LockSupport.unpark(caller);
            }
        }

        void awaitDone() {
            for (int spin = 0; !done && spin < 2000; spin++) {
                Thread.onSpinWait();
            }
            while (!done) {
                LockSupport.parkNanos(this, 50_000);
            }
        }
    }
}
