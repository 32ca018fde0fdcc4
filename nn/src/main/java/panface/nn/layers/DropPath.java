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

    /**
     * The forward with the decisions given instead of drawn: keep holds, per sample of x's dim 0,
     * 1 (the sample's x is kept and scaled by 1/(1-p)) or 0 (dropped). Returns x as it is when
     * {@link #isIdentity()}.
     */
    public Tensor forward(Tensor x, Tensor keep) {
        return isIdentity() ? x : F.dropPath(x, keep, p);
    }
}
