package panface.nn.layers;

import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Stochastic depth: drops whole samples of a residual branch in training (timm's DropPath). */
public final class DropPath extends Module implements Layer {
    private final double p;
    private final Generator gen;

    public DropPath(double p, Generator gen) {
        this.p = p;
        this.gen = gen;
    }

    /** The drop probability. */
    public double probability() {
        return p;
    }

    /** True when forward returns its input as it is (evaluation mode, or a probability of 0). */
    public boolean isIdentity() {
        return !isTraining() || p == 0;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropPath(x, p, isTraining(), gen);
    }
}
