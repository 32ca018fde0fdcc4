package panface.nn.layers;

import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.F;
import panface.tensor.Tensor;

/** Layer normalisation over the last dimension; weight 1, bias 0. Keys: weight, bias. */
public final class LayerNorm extends Module implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final double eps;

    public LayerNorm(int dim, double eps) {
        this.weight = parameter("weight", Tensor.ones(dim));
        this.bias = parameter("bias", Tensor.zeros(dim));
        this.eps = eps;
    }

    /** PyTorch's default eps 1e-5. */
    public LayerNorm(int dim) {
        this(dim, 1e-5);
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight.data(), bias.data(), eps);
    }
}
