package panface.tensor.ops;

import panface.tensor.Tensor;
import panface.tensor.View;

/** How the ops hand tensors to the backend's kernels: as their views, without autograd state. */
final class Operands {
    private Operands() {
    }

    /** t's view, or null for an absent (optional) operand. */
    static View operand(Tensor t) {
        return t == null ? null : t.asView();
    }
}
