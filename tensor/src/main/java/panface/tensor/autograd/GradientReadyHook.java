package panface.tensor.autograd;

import panface.tensor.Tensor;

/**
 * Told by the backward pass, on the thread that runs it, when a leaf's gradient is final: every
 * node of the graph that could still add to it has run (PyTorch's post-accumulate-grad hook). It
 * is called once per leaf that requires a gradient and that the graph reaches, whether or not a
 * gradient arrived (check {@link Tensor#gradReceived}); leaves the graph does not reach are never
 * reported. Collectives use it to start reducing gradients while the rest of the backward pass
 * still runs.
 *
 * <pre>{@code
 * try (var h = GradientReadyHook.install(leaf -> ...)) {
 *     loss.backward();
 * }
 * }</pre>
 */
@FunctionalInterface
public interface GradientReadyHook {

    /** Called with a leaf whose gradient no later node of this backward pass changes. */
    void ready(Tensor leaf);

    /**
     * Makes hook the current thread's hook until the returned guard is closed (restoring the
     * previous one): every backward pass run on this thread meanwhile reports to it.
     */
    static Installed install(GradientReadyHook hook) {
        GradientReadyHook prev = Installed.CURRENT.get();
        Installed.CURRENT.set(hook);
        return new Installed(prev);
    }

    /** The current thread's hook, or null. */
    static GradientReadyHook current() {
        return Installed.CURRENT.get();
    }

    /** Restores the previous hook when closed. Idempotent. */
    final class Installed implements AutoCloseable {
        private static final ThreadLocal<GradientReadyHook> CURRENT = new ThreadLocal<>();

        private final GradientReadyHook prev;
        private boolean closed;

        private Installed(GradientReadyHook prev) {
            this.prev = prev;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                CURRENT.set(prev);
            }
        }
    }
}
