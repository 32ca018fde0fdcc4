package panface.nn.layers;

import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.F;
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

    /** residual + forward(x), the skip connection fused into fc2 when dropout is off (see {@link Linear#forwardResidual}). */
    public Tensor forwardResidual(Tensor x, Tensor residual) {
        return drop.isIdentity() ? fc2.forwardResidual(hidden(x), residual) : residual.add(forward(x));
    }

    private Tensor hidden(Tensor x) {
        UnaryOp op = switch (act) {
            case RELU6 -> UnaryOp.RELU6;
            case GELU -> UnaryOp.GELU;
            case RELU -> UnaryOp.RELU;
        };
        // on the GPU the bias and the activation run as one fused pass after the product
        return drop.forward(fc1.forwardActivation(x, op, 0));
    }
}
