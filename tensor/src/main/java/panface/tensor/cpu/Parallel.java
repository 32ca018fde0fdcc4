package panface.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

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
     * enough work, on the calling thread otherwise.
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
        POOL.invoke(new Chunk(body, 0, n, chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int lo;
        private final int hi;
        private final int parts;

        Chunk(RangeBody body, int lo, int hi, int parts) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.parts = parts;
        }

        @Override
        protected void compute() {
            if (parts <= 1) {
                body.run(lo, hi);
                return;
            }
            int leftParts = parts / 2;
            int mid = lo + (int) ((long) (hi - lo) * leftParts / parts);
            Chunk left = new Chunk(body, lo, mid, leftParts);
            Chunk right = new Chunk(body, mid, hi, parts - leftParts);
            left.fork();
            right.compute();
            left.join();
        }
    }
}
