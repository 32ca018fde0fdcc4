package panface.nn;

import panface.tensor.Tensor;

/**
 * A trainable tensor of a module. The holder stays fixed while the tensor it holds may be
 * replaced (moved into a slab, to a device, or bound to a tensor supplied from outside), so
 * modules always read {@link #data()} at forward time.
 */
public final class Parameter {
    private Tensor data;

    /** Holds t, marked as requiring a gradient. */
    public Parameter(Tensor t) {
        set(t);
    }

    /** The current tensor (a leaf that requires a gradient unless frozen). */
    public Tensor data() {
        return data;
    }

    /** Replaces the held tensor; it becomes a leaf requiring a gradient unless this parameter is frozen. */
    public void set(Tensor t) {
        boolean frozen = data != null && !data.requiresGrad();
        this.data = t.isLeaf() ? t : t.detach();
        if (!frozen && this.data.dtype().isFloating() && !this.data.requiresGrad()) {
            this.data.requiresGrad(true);
        }
    }

    /** The accumulated gradient, or null. */
    public Tensor grad() {
        return data.grad();
    }

    /** Stops (or resumes) gradient accumulation for this parameter (PyTorch's requires_grad_). */
    public Parameter requiresGrad(boolean on) {
        data.requiresGrad(on);
        return this;
    }

    /** True when gradients are accumulated. */
    public boolean requiresGrad() {
        return data.requiresGrad();
    }

    /** Shape of the held tensor. */
    public int[] shape() {
        return data.shape();
    }
}
