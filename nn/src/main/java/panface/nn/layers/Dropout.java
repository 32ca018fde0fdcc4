package panface.nn.layers;

import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Inverted dropout in training, identity in evaluation. */
public final class Dropout extends Module implements Layer {
    private final double p;
    private final Generator gen;

    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.gen = gen;
    }

    /** True when forward returns its input as it is (evaluation mode, or a probability of 0). */
    public boolean isIdentity() {
        return !isTraining() || p == 0;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining(), gen);
    }
}
