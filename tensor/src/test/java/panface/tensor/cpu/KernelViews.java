package panface.tensor.cpu;

import panface.tensor.Tensor;
import panface.tensor.View;

/** Hands test tensors to kernels as views. */
public final class KernelViews {
    private KernelViews() {
    }

    /** t's view, or null for an absent (optional) operand. */
    public static View viewOf(Tensor t) {
        return t == null ? null : t.asView();
    }
}
