package panface.nn.layers;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/** fc1 -> activation -> dropout -> fc2 -> dropout (timm's Mlp). Keys: fc1.*, fc2.*. */
public final class Mlp extends Module implements Layer {
    /** The activations the face models use. */
    public enum Activation { RELU6, GELU, RELU }

    private final Linear fc1;
    private final Linear fc2;
    private final Dropout drop;
    private final Activation act;

    public Mlp(int in, int hidden, int out, Activation act, double drop, Generator gen) {
        this.fc1 = child("fc1", new Linear(in, hidden, true, gen));
        this.fc2 = child("fc2", new Linear(hidden, out, true, gen));
        this.drop = child("drop", new Dropout(drop, gen));
        this.act = act;
    }

    public Linear fc1() {
        return fc1;
    }

    public Linear fc2() {
        return fc2;
    }

    @Override
    public Tensor forward(Tensor x) {
        return drop.forward(fc2.forward(hidden(x)));
    }

    private UnaryOp op() {
        return switch (act) {
            case RELU6 -> UnaryOp.RELU6;
            case GELU -> UnaryOp.GELU;
            case RELU -> UnaryOp.RELU;
        };
    }

    private Tensor hidden(Tensor x) {
        // on the GPU the bias and the activation run as one fused pass after the product
        return drop.forward(fc1.forwardActivation(x, op(), 0));
    }

    /** residual + mlp(x) in evaluation mode, with packed weights and the skip connection fused into fc2's product. */
    ResidualStep residualStep(InferenceCompiler c) {
        PreparedLinear p1 = PreparedLinear.of(c, fc1);
        PreparedLinear p2 = PreparedLinear.of(c, fc2);
        UnaryOp op = op();
        return (w, x, r) -> p2.forwardResidual(w, p1.forwardActivation(w, x, op), r);
    }

    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        PreparedLinear p1 = PreparedLinear.of(c, fc1);
        PreparedLinear p2 = PreparedLinear.of(c, fc2);
        UnaryOp op = op();
        return (w, x) -> p2.forward(w, p1.forwardActivation(w, x, op));
    }
}
