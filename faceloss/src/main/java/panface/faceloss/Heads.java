package panface.faceloss;

import panface.tensor.F;
import panface.tensor.Tensor;

/** Shared pieces of the classification heads. */
final class Heads {
    private Heads() {
    }

    /** x / max(||x||, 1e-12) row-wise (PyTorch's F.normalize default, as insightface). */
    static Tensor normalize(Tensor x) {
        return F.l2Normalize(x, 1, 1e-12);
    }
}
