package panface.nn.layers;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/** y = x W^T + b, with W (out, in); PyTorch's default initialisation. Keys: weight, bias. */
public final class Linear extends Module implements Layer {
    private final Parameter weight;
    private final Parameter bias;

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
        return F.linear(x, weight.data(), biasData());
    }

    /** act(forward(x)), the bias and activation fused where the backend allows (see {@link F#linearActivation}). */
    public Tensor forwardActivation(Tensor x, UnaryOp act, double a) {
        return F.linearActivation(x, weight.data(), biasData(), act, a);
    }

    Tensor biasData() {
        return bias == null ? null : bias.data();
    }

    /** The product with the weight packed once for the plan (see {@link PreparedLinear}). */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        return PreparedLinear.of(c, this)::forward;
    }
}
