package panface.tensor.golden;

import java.util.Map;

import panface.tensor.Tensor;

/**
 * Computes one golden op. The runner prepares the case's tensors (floating ones converted to the
 * run's dtype and device; those with an expected gradient marked as requiring one) and handles the
 * backward pass and the comparison; an op only maps its arguments and inputs to outputs.
 */
@FunctionalInterface
public interface GoldenOp {

    /**
     * Returns the computed outputs by full name ("output.y", "output.running_mean", ...).
     *
     * @param c      the case (op arguments, original tensors)
     * @param leaves the prepared tensors by full name ("input.x", "param.weight", "buffer.center")
     */
    Map<String, Tensor> run(GoldenCase c, Map<String, Tensor> leaves);
}
