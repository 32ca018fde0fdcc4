package panface.nn.lafs;

import java.util.ArrayList;
import java.util.List;

import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.layers.BatchNorm;
import panface.nn.layers.Linear;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * DINO's projection head: an MLP (Linear, GELU, ..., Linear to the bottleneck), L2 normalisation,
 * and a weight-normalised Linear(bottleneck -> K) without bias, W = g * V / ||V|| per row. With
 * normLastLayer (the default, as LAFS) g is fixed at 1 and receives no gradient. Keys mlp.{0,2,4}.*
 * (mlp.* for one layer), last_layer.weight_g (K, 1), last_layer.weight_v (K, bottleneck), as
 * PyTorch's weight_norm writes them. MLP weights trunc_normal(0.02), biases 0.
 */
public final class DinoHead extends Module implements Layer {
    private final List<Linear> mlp = new ArrayList<>();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final Parameter weightG;
    private final Parameter weightV;
    private final boolean normLastLayer;

    /** The reference's head: 3 layers, hidden 2048, bottleneck 256, the last layer normalised. */
    public DinoHead(int in, int out, Generator gen) {
        this(in, out, 3, 2048, 256, true, gen);
    }

    public DinoHead(int in, int out, int layers, int hidden, int bottleneck, boolean normLastLayer, Generator gen) {
        this(in, out, layers, hidden, bottleneck, normLastLayer, false, gen);
    }

    /**
     * A head with, when useBn, batch normalisation after each hidden Linear (DINO's use_bn_in_head:
     * Linear, BatchNorm1d, GELU; keys mlp.{0,3,...} for the Linears, mlp.{1,4,...} for the
     * normalisations). In training mode it normalises over the batch, which removes from each
     * hidden unit what every image of the batch shares.
     */
    public DinoHead(int in, int out, int layers, int hidden, int bottleneck, boolean normLastLayer, boolean useBn, Generator gen) {
        if (layers < 1) {
            throw new IllegalArgumentException("DINO head needs at least one layer, got " + layers);
        }
        if (layers == 1) {
            mlp.add(child("mlp", new Linear(in, bottleneck, true, gen)));
        } else {
            Keys seq = child("mlp", new Keys());
            int width = in;
            int stride = useBn ? 3 : 2;
            for (int i = 0; i < layers - 1; i++) {
                mlp.add(seq.put(Integer.toString(stride * i), new Linear(width, hidden, true, gen)));
                if (useBn) {
                    norms.add(seq.put(Integer.toString(stride * i + 1), new BatchNorm(hidden)));
                }
                width = hidden;
            }
            mlp.add(seq.put(Integer.toString(stride * (layers - 1)), new Linear(hidden, bottleneck, true, gen)));
        }
        for (Linear l : mlp) {
            l.weight().set(Init.truncNormal(gen, 0.02, l.weight().shape()));
            l.bias().set(Tensor.zeros(l.bias().shape()));
        }
        // V starts as nn.Linear's default weight, g at 1 (the reference fills it after weight_norm)
        LastLayer last = child("last_layer", new LastLayer(new Linear(bottleneck, out, false, gen).weight().data(), out));
        this.weightG = last.weightG;
        this.weightV = last.weightV;
        this.normLastLayer = normLastLayer;
        if (normLastLayer) {
            weightG.requiresGrad(false);
        }
    }

    /** The last layer's direction V (K, bottleneck); its gradient is what "freeze the last layer" drops. */
    public Parameter lastLayerV() {
        return weightV;
    }

    /** The last layer's magnitude g (K, 1); fixed at 1 when the last layer is normalised. */
    public Parameter lastLayerG() {
        return weightG;
    }

    /** The MLP's linear layers, in order. */
    public List<Linear> mlp() {
        return mlp;
    }

    /** The L2-normalised bottleneck (N, bottleneck) of features (N, in): what the last layer scores against its prototypes. */
    public Tensor bottleneck(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < mlp.size(); i++) {
            h = mlp.get(i).forward(h);
            if (i < mlp.size() - 1) {
                if (!norms.isEmpty()) {
                    h = norms.get(i).forward(h);
                }
                h = F.gelu(h);
            }
        }
        return F.l2Normalize(h, -1, 1e-12);
    }

    /** Logits (N, K) of features (N, in). */
    @Override
    public Tensor forward(Tensor x) {
        Tensor h = bottleneck(x);
        Tensor v = weightV.data();
        Tensor g = normLastLayer ? weightG.data().detach() : weightG.data();
        Tensor w = v.mul(g.div(v.norm(2, new int[] {1}, true)));
        return F.linear(h, w, null);
    }

    /** The weight-normalised last layer's two tensors under PyTorch's names. */
    static final class LastLayer extends Module {
        final Parameter weightG;
        final Parameter weightV;

        LastLayer(Tensor v, int out) {
            this.weightG = parameter("weight_g", Tensor.ones(out, 1));
            this.weightV = parameter("weight_v", v);
        }
    }
}
