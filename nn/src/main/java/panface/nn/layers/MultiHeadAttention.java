package panface.nn.layers;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Self-attention over tokens (B, L, D): a fused qkv projection, scaled dot-product attention per
 * head with softmax in float32, and an output projection. Keys: qkv.*, proj.* (timm's Attention).
 */
public final class MultiHeadAttention extends Module implements Layer {
    private final Linear qkv;
    private final Linear proj;
    private final int heads;
    private final double scale;
    private final Dropout projDrop;

    public MultiHeadAttention(int dim, int heads, boolean qkvBias, double projDrop, Generator gen) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("attention: dim " + dim + " is not divisible by " + heads + " heads");
        }
        this.qkv = child("qkv", new Linear(dim, 3 * dim, qkvBias, gen));
        this.proj = child("proj", new Linear(dim, dim, true, gen));
        this.heads = heads;
        this.scale = Math.pow(dim / heads, -0.5);
        this.projDrop = child("proj_drop", new Dropout(projDrop, gen));
    }

    public Linear qkv() {
        return qkv;
    }

    public Linear proj() {
        return proj;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor o = F.selfAttention(qkv.forward(x), heads, scale);   // (B, L, D), heads concatenated
        return projDrop.forward(proj.forward(o));
    }

    /** residual + attention(x) in evaluation mode, with packed weights and the skip connection fused into the output projection. */
    ResidualStep residualStep(InferenceCompiler c) {
        PreparedLinear pq = PreparedLinear.of(c, qkv);
        PreparedLinear pp = PreparedLinear.of(c, proj);
        return (w, x, r) -> pp.forwardResidual(w, F.selfAttention(pq.forward(w, x), heads, scale), r);
    }

    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        PreparedLinear pq = PreparedLinear.of(c, qkv);
        PreparedLinear pp = PreparedLinear.of(c, proj);
        return (w, x) -> pp.forward(w, F.selfAttention(pq.forward(w, x), heads, scale));
    }
}
