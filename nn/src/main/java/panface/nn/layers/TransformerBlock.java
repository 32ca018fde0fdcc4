package panface.nn.layers;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Pre-norm transformer block: x + dropPath(attn(norm1(x))), then x + dropPath(mlp(norm2(x))).
 * Keys: norm1.*, attn.*, norm2.*, mlp.* (the face ViT's Block).
 */
public final class TransformerBlock extends Module implements Layer {
    private final LayerNorm norm1;
    private final MultiHeadAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath;

    public TransformerBlock(int dim, int heads, double mlpRatio, boolean qkvBias, double drop, double dropPath, Mlp.Activation act,
                            Generator gen) {
        this.norm1 = child("norm1", new LayerNorm(dim));
        this.attn = child("attn", new MultiHeadAttention(dim, heads, qkvBias, drop, gen));
        this.norm2 = child("norm2", new LayerNorm(dim));
        this.mlp = child("mlp", new Mlp(dim, (int) (dim * mlpRatio), dim, act, drop, gen));
        this.dropPath = child("drop_path", new DropPath(dropPath, gen));
    }

    public MultiHeadAttention attn() {
        return attn;
    }

    public Mlp mlp() {
        return mlp;
    }

    /** The stochastic-depth layer shared by both branches (each call decides anew). */
    public DropPath dropPath() {
        return dropPath;
    }

    /**
     * The forward with the drop-path decisions given rather than drawn: attnKeep and mlpKeep hold,
     * per sample, 1 (the branch is kept, scaled by 1/(1-rate)) or 0 (dropped) for the attention
     * and the MLP branch. They are not read when the drop path is inactive (evaluation, rate 0).
     */
    public Tensor forward(Tensor x, Tensor attnKeep, Tensor mlpKeep) {
        if (dropPath.isIdentity()) {
            return forward(x);
        }
        Tensor y = x.add(dropPath.forward(attn.forward(norm1.forward(x)), attnKeep));
        return y.add(dropPath.forward(mlp.forward(norm2.forward(y)), mlpKeep));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (recordsGraph(x)) {
            return mlpBranch(attnBranch(x));
        }
        // without a graph to record, each branch's intermediates are freed once it returns, and the
        // residual between the branches once the block does (decided once for the block)
        return Scope.compute(() -> {
            Tensor y = Scope.compute(() -> attnBranch(x));
            return Scope.compute(() -> mlpBranch(y));
        });
    }

    private Tensor attnBranch(Tensor x) {
        return x.add(dropPath.forward(attn.forward(norm1.forward(x))));
    }

    private Tensor mlpBranch(Tensor y) {
        return y.add(dropPath.forward(mlp.forward(norm2.forward(y))));
    }

    /**
     * The evaluation-mode block with the skip connections fused into the output projections;
     * each branch's intermediates are freed once it returns, and the residual between the
     * branches once the block does.
     */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        InferenceStep n1 = c.step(norm1);
        InferenceStep n2 = c.step(norm2);
        ResidualStep a = attn.residualStep(c);
        ResidualStep m = mlp.residualStep(c);
        return (w, x) -> Scope.compute(() -> {
            Tensor y = Scope.compute(() -> a.apply(w, n1.apply(w, x), x));
            return Scope.compute(() -> m.apply(w, n2.apply(w, y), y));
        });
    }
}
