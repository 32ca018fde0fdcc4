package panface.distributed;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * One rank's thread for asynchronous collectives of a host-side communicator: started work runs
 * there in the order it was issued, and every blocking collective first waits for the started
 * ones ({@link #drain}), so that the rank's collectives keep their issue order whichever thread
 * runs them. Created lazily: a communicator that never starts work never has the thread.
 */
final class CollectiveThread implements AutoCloseable {
    private final String name;
    private ExecutorService executor;
    private Future<?> last;

    CollectiveThread(String name) {
        this.name = name;
    }

    /** Queues an in-place collective; its temporaries live in a scope of its own, freed when it ends. */
    Communicator.Work submit(Runnable collective) {
        return submit(() -> {
            collective.run();
            return null;
        });
    }

    /**
     * Queues a collective that makes a tensor: its temporaries are freed when it ends, the
     * tensor is handed to the scope current where its work is awaited.
     */
    synchronized Communicator.Work submit(Supplier<Tensor> collective) {
        if (executor == null) {
            executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(name).daemon().unstarted(r));
        }
        Future<Tensor> f = executor.submit(() -> {
            try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
                Tensor r = collective.get();
                return r == null ? null : Scope.disown(r);
            }
        });
        last = f;
        return new Communicator.Work() {
            private Tensor result;
            private boolean taken;

            @Override
            public void await() {
                awaitFuture(f, true);
                if (!taken) {
                    taken = true;
                    result = f.resultNow();
                    if (result != null && Scope.current() != null) {
                        Scope.current().keep(result);
                    }
                }
            }

            @Override
            public boolean isDone() {
                return f.isDone();
            }

            @Override
            public Tensor result() {
                return result;
            }
        };
    }

    /** Waits until every queued collective has ended; their failures are thrown by their own work. */
    void drain() {
        Future<?> f;
        synchronized (this) {
            f = last;
        }
        if (f != null) {
            awaitFuture(f, false);
        }
    }

    private static void awaitFuture(Future<?> f, boolean rethrow) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while waiting for a collective", e);
        } catch (ExecutionException | CancellationException e) {
            if (rethrow) {
                Throwable c = e instanceof ExecutionException ? e.getCause() : e;
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new CollectiveException("collective failed: " + c, c);
            }
        }
    }

    /** Stops the thread once the queued collectives have ended (the thread is a daemon: it never holds the JVM). */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdown();
        }
    }
}
