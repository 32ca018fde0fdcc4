package panface.nn.lafs;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.PreparedSet;
import panface.nn.layers.Dropout;
import panface.nn.layers.Linear;
import panface.nn.layers.PreparedLinear;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Part fViT's attention: heads x headDim inner width independent of the model width (11 x 64 = 704
 * for a 768-wide model), qkv without bias, an output projection with dropout, and the reference's
 * scale dim^-0.5 of the model width rather than of the head width. Keys to_qkv.weight,
 * to_out.0.{weight,bias}.
 */
public final class PartAttention extends Module implements Layer {
    private final Linear toQkv;
    private final Linear toOut;
    private final Dropout dropout;
    private final int heads;
    private final double scale;

    public PartAttention(int dim, int heads, int headDim, double dropout, Generator gen) {
        int inner = heads * headDim;
        this.toQkv = child("to_qkv", new Linear(dim, 3 * inner, false, gen));
        Keys out = child("to_out", new Keys());
        this.toOut = out.put("0", new Linear(inner, dim, true, gen));
        this.dropout = out.put("1", new Dropout(dropout, gen));
        this.heads = heads;
        this.scale = Math.pow(dim, -0.5);
    }

    /** The logit scale, dim^-0.5 of the model width. */
    public double scale() {
        return scale;
    }

    @Override
    public Tensor forward(Tensor x) {
        return dropout.forward(toOut.forward(F.selfAttention(toQkv.forward(x), heads, scale)));
    }

    /** The products with packed weights (dropout is off in evaluation). */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        PreparedLinear qkv = PreparedLinear.of(c, toQkv);
        PreparedLinear out = PreparedLinear.of(c, toOut);
        return (w, x) -> out.forward(w, F.selfAttention(qkv.forward(w, x), heads, scale));
    }

    /** residual + this attention on x, the output projection added straight onto the residual. */
    ResidualBranch residualStep(InferenceCompiler c) {
        PreparedLinear qkv = PreparedLinear.of(c, toQkv);
        PreparedLinear out = PreparedLinear.of(c, toOut);
        return (w, x, r) -> out.forwardResidual(w, F.selfAttention(qkv.forward(w, x), heads, scale), r);
    }

    /** A plan branch with its skip connection fused in: residual + branch(x). */
    @FunctionalInterface
    interface ResidualBranch {
        Tensor apply(PreparedSet w, Tensor x, Tensor residual);
    }
}
