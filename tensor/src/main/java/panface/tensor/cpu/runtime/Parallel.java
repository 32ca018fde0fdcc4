package panface.tensor.cpu.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import panface.tensor.RuntimeConfig;

/**
 * The intra-op threads of the CPU backend. A loop of {@code -Dpanface.threads=N} chunks (default:
 * the available processors) runs its first chunk on the calling thread and the others on N - 1
 * worker threads; the caller takes back any chunk no worker has started by the time it is done.
 * Work submitted from inside a worker runs on that worker, so nested loops never oversubscribe.
 *
 * <p>Workers spin for {@code -Dpanface.cpu.spinMicros} (default 100) after their last chunk
 * before they sleep: a model's ops come in quick succession, and waking a sleeping thread (on a
 * virtual machine, a halted virtual CPU) can take longer than a small op itself. Set it to 0 on
 * machines shared with other busy processes.
 */
public final class Parallel {
    private static final int THREADS = RuntimeConfig.startup().threads();
    private static final long SPIN_NANOS = 1000L * RuntimeConfig.startup().spinMicros();
    private static final ConcurrentLinkedQueue<Part> QUEUE = new ConcurrentLinkedQueue<>();
    private static final Worker[] WORKERS = startWorkers();

    private Parallel() {
    }

    private static Worker[] startWorkers() {
        Worker[] w = new Worker[THREADS - 1];
        for (int i = 0; i < w.length; i++) {
            w[i] = new Worker(i + 1);
            w[i].start();
        }
        return w;
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
        if (chunks <= 1 || Thread.currentThread() instanceof Worker) {
            body.run(0, n);
            return;
        }
        Part[] parts = new Part[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            parts[c - 1] = new Part(body, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            QUEUE.add(parts[c - 1]);
        }
        wake(parts.length);
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Part p : parts) {
            if (p.claim()) {
                QUEUE.remove(p);
                p.runClaimed();
            }
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

    /** One step of {@link Prefetch} for a thread that would otherwise spin; it never throws into the pool. */
    private static boolean prefetchStep() {
        try {
            return Prefetch.step();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Unparks up to n sleeping workers (spinning ones find the work themselves). */
    private static void wake(int n) {
        for (Worker w : WORKERS) {
            if (n == 0) {
                return;
            }
            if (w.sleeping) {
                LockSupport.unpark(w);
                n--;
            }
        }
    }

    private static final class Worker extends Thread {
        private volatile boolean sleeping;

        Worker(int index) {
            super("panface-cpu-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                Part p = QUEUE.poll();
                if (p != null) {
                    if (p.claim()) {
                        p.runClaimed();
                    }
                    continue;
                }
                long deadline = System.nanoTime() + SPIN_NANOS;
                while (QUEUE.isEmpty() && System.nanoTime() < deadline) {
                    if (!prefetchStep()) {
                        Thread.onSpinWait();
                    }
                }
                if (!QUEUE.isEmpty()) {
                    continue;
                }
                sleeping = true;
                // re-check after announcing sleep: a submitter that missed the flag has queued first
                if (QUEUE.isEmpty()) {
                    LockSupport.park(this);
                }
                sleeping = false;
            }
        }
    }

    /** One chunk, run by whichever of a worker and the caller claims it first. */
    private static final class Part {
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

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        void runClaimed() {
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
            for (int spin = 0; !done && spin < 20_000; spin++) {
                if (!prefetchStep()) {
                    Thread.onSpinWait();
                }
            }
            while (!done) {
                LockSupport.parkNanos(this, 50_000);
            }
        }
    }
}
