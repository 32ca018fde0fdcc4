package panface.tensor.autograd;

import panface.tensor.Tensor;

/**
 * Whether ops record the graph on the current thread. {@link #noGrad()} returns a scope object:
 * <pre>{@code
 * try (var g = GradMode.noGrad()) { ... }   // nothing inside is recorded
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** True when ops record gradients on this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** True when grad mode is on and any of the tensors requires a gradient. */
    public static boolean needsGrad(Tensor... ts) {
        if (!isEnabled()) {
            return false;
        }
        for (Tensor t : ts) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Disables recording until the returned guard is closed (restoring the previous mode). */
    public static Guard noGrad() {
        return set(false);
    }

    /** Enables recording until the returned guard is closed (restoring the previous mode). */
    public static Guard enableGrad() {
        return set(true);
    }

    private static Guard set(boolean on) {
        boolean[] cell = ENABLED.get();
        boolean prev = cell[0];
        cell[0] = on;
        return new Guard(cell, prev);
    }

    /** Restores the previous grad mode when closed. Idempotent. */
    public static final class Guard implements AutoCloseable {
        private final boolean[] cell;
        private final boolean prev;
        private boolean closed;

        private Guard(boolean[] cell, boolean prev) {
            this.cell = cell;
            this.prev = prev;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                cell[0] = prev;
            }
        }
    }
}
