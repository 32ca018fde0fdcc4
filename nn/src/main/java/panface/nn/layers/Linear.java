package panface.nn.layers;

import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.F;
import panface.tensor.PrepackedWeight;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/** y = x W^T + b, with W (out, in); PyTorch's default initialisation. Keys: weight, bias. */
public final class Linear extends Module implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private volatile PrepackedWeight prepacked;

    /** A layer initialised as PyTorch's nn.Linear (kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(in)) bias). */
    public Linear(int in, int out, boolean bias, Generator gen) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear needs positive sizes, got " + in + " -> " + out);
        }
        this.weight = parameter("weight", Init.kaimingUniformDefault(gen, in, out, in));
        this.bias = bias ? parameter("bias", Init.kaimingUniformDefault(gen, in, out)) : null;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        PrepackedWeight p = current();
        return p != null ? F.linear(x, p, biasData()) : F.linear(x, weight.data(), biasData());
    }

    /** act(forward(x)), the bias and activation fused where the backend allows (see {@link F#linearActivation}). */
    public Tensor forwardActivation(Tensor x, UnaryOp act, double a) {
        PrepackedWeight p = current();
        return p != null ? F.linearActivation(x, p, biasData(), act, a) : F.linearActivation(x, weight.data(), biasData(), act, a);
    }

    /**
     * residual + forward(x): with a prepared weight the product adds straight onto the residual
     * (see {@link F#linearResidual}); residual has the output's shape.
     */
    public Tensor forwardResidual(Tensor x, Tensor residual) {
        PrepackedWeight p = current();
        return p != null ? F.linearResidual(x, p, biasData(), residual) : residual.add(forward(x));
    }

    private Tensor biasData() {
        return bias == null ? null : bias.data();
    }

    /** The prepared weight when there is one for the current weight tensor and the layer is in evaluation mode. */
    private PrepackedWeight current() {
        PrepackedWeight p = prepacked;
        return p != null && !isTraining() && p.weight() == weight.data() ? p : null;
    }

    @Override
    protected void prepareForInference() {
        prepacked = PrepackedWeight.of(weight.data());
    }

    @Override
    protected void weightsChanged() {
        prepacked = null;
    }
}
