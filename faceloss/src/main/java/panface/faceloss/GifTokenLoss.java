package panface.faceloss;

import java.util.ArrayList;
import java.util.List;

import panface.nn.Module;
import panface.nn.layers.Linear;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * GIF's identity-token loss: an identity is a code of l tokens, each in [0, k); l parallel
 * classification heads predict the tokens from the embedding, and L = sum_j w_j CE_j with
 * uniform weights w_j = 1/l (best in the paper's ablation). Whether the heads are independent,
 * linear or margin heads is not published [UNVERIFIED]: here each head is either a linear
 * layer or a margin head (cosine logits with a margin), chosen by the caller. Keys: heads.j.*.
 */
public final class GifTokenLoss extends Module {
    private final List<Linear> linear = new ArrayList<>();
    private final List<CombinedMarginHead> margin = new ArrayList<>();
    private final double[] weights;

    /** l linear heads (D to k, with bias) with uniform weights. */
    public static GifTokenLoss linear(int tokens, int codebook, int dim, Generator gen) {
        return new GifTokenLoss(tokens, codebook, dim, null, gen);
    }

    /** l margin heads (cosine logits, the given margin) with uniform weights. */
    public static GifTokenLoss withMargin(int tokens, int codebook, int dim, Margin m, Generator gen) {
        return new GifTokenLoss(tokens, codebook, dim, m, gen);
    }

    private GifTokenLoss(int tokens, int codebook, int dim, Margin m, Generator gen) {
        if (tokens <= 0 || codebook <= 1) {
            throw new IllegalArgumentException("GIF needs at least one token and a codebook of at least 2 entries");
        }
        Module heads = child("heads", new HeadList());
        for (int j = 0; j < tokens; j++) {
            if (m == null) {
                linear.add(((HeadList) heads).add(new Linear(dim, codebook, true, gen)));
            } else {
                margin.add(((HeadList) heads).add(new CombinedMarginHead(codebook, dim, m, gen)));
            }
        }
        this.weights = new double[tokens];
        java.util.Arrays.fill(weights, 1.0 / tokens);
    }

    /** Sets the per-token weights (they need not sum to 1). */
    public void setWeights(double[] w) {
        if (w.length != weights.length) {
            throw new IllegalArgumentException("expected " + weights.length + " token weights, got " + w.length);
        }
        System.arraycopy(w, 0, weights, 0, w.length);
    }

    /** The weighted sum of the per-token losses of embeddings (B, D) against codes (B, l). */
    public Tensor loss(Tensor embeddings, Tensor codes) {
        int l = weights.length;
        if (codes.dim() != 2 || codes.size(1) != l || codes.size(0) != embeddings.size(0)) {
            throw new IllegalArgumentException("GIF expects codes (B, " + l + "), got " + codes.describe());
        }
        Tensor c = codes.to(DType.I64);
        Tensor total = null;
        for (int j = 0; j < l; j++) {
            Tensor target = c.select(1, j).contiguous();
            Tensor lj = margin.isEmpty() ? F.crossEntropy(linear.get(j).forward(embeddings), target) : margin.get(j).loss(embeddings, target);
            Tensor term = lj.mul(weights[j]);
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** Children "0", "1", ... */
    private static final class HeadList extends Module {
        private int n;

        <M extends Module> M add(M m) {
            return child(Integer.toString(n++), m);
        }
    }
}
