package panface.nn.layers;

import panface.nn.InferenceCompiler;
import panface.nn.PreparedSet;
import panface.nn.PreparedSlot;
import panface.tensor.F;
import panface.tensor.PrepackedWeight;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;

/**
 * A {@link Linear} in an inference plan: its weight packed once for the backend's GEMM (see
 * {@link PrepackedWeight}), in a slot the plan keeps in step with the layer's weights, and the
 * products that layers around it fuse (activation, residual add). Modules outside this package
 * use it to write their own {@link panface.nn.Module#inferenceStep} around linear layers.
 */
public final class PreparedLinear {
    private final Linear layer;
    private final PreparedSlot<PrepackedWeight> weight;

    private PreparedLinear(Linear layer, PreparedSlot<PrepackedWeight> weight) {
        this.layer = layer;
        this.weight = weight;
    }

    /** The layer prepared in c: its packed weight lives in a plan slot made again when the layer's weights change. */
    public static PreparedLinear of(InferenceCompiler c, Linear layer) {
        return new PreparedLinear(layer, c.prepare(() -> PrepackedWeight.of(layer.weight().data()), layer));
    }

    /** The layer's output on x. */
    public Tensor forward(PreparedSet w, Tensor x) {
        return F.linear(x, weight.in(w), layer.biasData());
    }

    /** act(forward(x)), bias and activation fused (see {@link F#linearActivation}). */
    public Tensor forwardActivation(PreparedSet w, Tensor x, UnaryOp act) {
        return F.linearActivation(x, weight.in(w), layer.biasData(), act, 0);
    }

    /** residual + forward(x), the product added straight onto the residual (see {@link F#linearResidual}). */
    public Tensor forwardResidual(PreparedSet w, Tensor x, Tensor residual) {
        return F.linearResidual(x, weight.in(w), layer.biasData(), residual);
    }
}
