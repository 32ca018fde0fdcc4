package panface.nn.optim;

import java.util.List;

import panface.nn.Parameter;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/** Gradient clipping by global norm (PyTorch's clip_grad_norm_). */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by min(1, maxNorm / (total + 1e-6)), where total is the L2 norm of all
     * gradients together (accumulated in double). Returns the total norm before clipping.
     */
    public static double clipNorm(List<Parameter> params, double maxNorm) {
        double sq = 0;
        try (var g = GradMode.noGrad()) {
            for (Parameter p : params) {
                Tensor gr = p.grad();
                if (gr != null) {
                    double n = gr.norm(2, null, false).item();
                    sq += n * n;
                }
            }
            double total = Math.sqrt(sq);
            double coef = maxNorm / (total + 1e-6);
            if (coef < 1) {
                for (Parameter p : params) {
                    if (p.grad() != null) {
                        p.grad().mulInPlace(coef);
                    }
                }
            }
            return total;
        }
    }
}
