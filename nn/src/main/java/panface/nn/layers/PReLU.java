package panface.nn.layers;

import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.F;
import panface.tensor.Tensor;

/** PReLU with one slope per channel (or one in all), initialised to 0.25. Key: weight. */
public final class PReLU extends Module implements Layer {
    private final Parameter weight;

    public PReLU(int channels) {
        this.weight = parameter("weight", Tensor.full(0.25, panface.tensor.Device.CPU, panface.tensor.DType.F32, channels));
    }

    /** The slopes: one per channel, or one for all. */
    public Parameter weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.prelu(x, weight.data());
    }
}
