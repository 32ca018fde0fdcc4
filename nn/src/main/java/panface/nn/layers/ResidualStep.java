package panface.nn.layers;

import panface.nn.PreparedSet;
import panface.tensor.Tensor;

/** A branch of an inference plan with its skip connection fused in: residual + branch(x). */
@FunctionalInterface
interface ResidualStep {
    /** residual + the branch's output on x, reading prepared weights from w. */
    Tensor apply(PreparedSet w, Tensor x, Tensor residual);
}
