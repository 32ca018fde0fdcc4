package panface.faceloss;

import java.util.ArrayList;
import java.util.List;

import panface.nn.Init;
import panface.nn.Module;
import panface.nn.Parameter;
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
 * layer or a margin head (cosine logits with a margin), chosen by the caller. Keys: heads.j.*,
 * and prefix.weight ((l-1) k x D: row i k + c holds P_i[c]) for the prefix-conditioned heads.
 *
 * <p>Conditioning [UNVERIFIED: the paper says only that "the search space is narrowed with each
 * correctly predicted token"]: {@link Conditioning#INDEPENDENT} heads (the default: the cheapest,
 * and the tree already makes token j meaningful only under its prefix) or
 * {@link Conditioning#PREFIX}, where head j sees the embedding plus one learned vector per earlier
 * token, e + sum_{i&lt;j} P_i[c_i] (the true prefix in training, the decoded one at inference).
 */
public final class GifTokenLoss extends Module {
    private final List<Linear> linear = new ArrayList<>();
    private final List<CombinedMarginHead> margin = new ArrayList<>();
    private Parameter prefix;
    private final int codebook;
    private final double[] weights;

    /** How a head sees the tokens before it. */
    public enum Conditioning {
        /** Every head sees the embedding only. */
        INDEPENDENT,
        /** Head j sees e + sum_{i<j} P_i[c_i]. */
        PREFIX
    }

    /** l independent linear heads (D to k, with bias) with uniform weights. */
    public static GifTokenLoss linear(int tokens, int codebook, int dim, Generator gen) {
        return new GifTokenLoss(tokens, codebook, dim, null, Conditioning.INDEPENDENT, gen);
    }

    /** l independent margin heads (cosine logits, the given margin) with uniform weights. */
    public static GifTokenLoss withMargin(int tokens, int codebook, int dim, Margin m, Generator gen) {
        return new GifTokenLoss(tokens, codebook, dim, m, Conditioning.INDEPENDENT, gen);
    }

    /**
     * l heads with uniform weights: margin heads when {@code m} is not null, linear heads
     * otherwise, conditioned as given. Prefix vectors start N(0, 0.01^2) as the margin centres.
     */
    public static GifTokenLoss of(int tokens, int codebook, int dim, Margin m, Conditioning conditioning, Generator gen) {
        return new GifTokenLoss(tokens, codebook, dim, m, conditioning, gen);
    }

    private GifTokenLoss(int tokens, int codebook, int dim, Margin m, Conditioning conditioning, Generator gen) {
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
        if (conditioning == Conditioning.PREFIX && tokens > 1) {
            prefix = child("prefix", new PrefixTable((tokens - 1) * codebook, dim, gen)).weight;
        }
        this.codebook = codebook;
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
            Tensor h = input(embeddings, c, j);
            Tensor lj = margin.isEmpty() ? F.crossEntropy(linear.get(j).forward(h), target) : margin.get(j).loss(h, target);
            Tensor term = lj.mul(weights[j]);
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** The number of tokens l. */
    public int tokens() {
        return weights.length;
    }

    /**
     * Decodes embeddings (B, D) into codes (B, l): token by token, each the arg max of its head's
     * logits (linear logits, or cosines for margin heads), prefix-conditioned heads seeing the
     * tokens decoded before them.
     */
    public long[][] decode(Tensor embeddings) {
        int b = embeddings.size(0);
        int l = weights.length;
        long[][] out = new long[b][l];
        Tensor e = embeddings.detach();
        long[] sofar = new long[b * l];
        for (int j = 0; j < l; j++) {
            Tensor h = input(e, Tensor.of(sofar, b, l).to(e.device()), j);
            Tensor z = margin.isEmpty() ? linear.get(j).forward(h)
                    : Heads.normalize(h).matmul(Heads.normalize(margin.get(j).weight().data()).mT());
            long[] best = z.detach().argmax(1, false).to(DType.I64).toLongArray();
            for (int i = 0; i < b; i++) {
                out[i][j] = best[i];
                sofar[i * l + j] = best[i];
            }
        }
        return out;
    }

    /**
     * The input of head j: the embedding, plus the prefix vectors of codes' first j tokens when
     * conditioned. The j vectors are gathered by one lookup (row i k + c_i) and summed, then added
     * once, so the prefix and the embedding meet in a single add.
     */
    private Tensor input(Tensor embeddings, Tensor codes, int j) {
        if (prefix == null || j == 0) {
            return embeddings;
        }
        int b = codes.size(0);
        long[] c = codes.contiguous().toLongArray();
        int l = codes.size(1);
        long[] rows = new long[b * j];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < j; i++) {
                rows[r * j + i] = (long) i * codebook + c[r * l + i];
            }
        }
        Tensor idx = Tensor.of(rows, b, j).to(embeddings.device());
        Tensor p = F.embedding(idx, prefix.data()).sum(1, false).to(embeddings.dtype());
        // prefix first: the autograd engine, when it sums the embedding's gradients from several
        // heads, frees an add's shared gradient unless the other input has already claimed it
        return p.add(embeddings);
    }

    /** One learned vector per (position, token value). Key: weight. */
    private static final class PrefixTable extends Module {
        final Parameter weight;

        PrefixTable(int rows, int dim, Generator gen) {
            weight = parameter("weight", Init.normal(gen, 0, 0.01, rows, dim));
        }
    }

    /** Children "0", "1", ... */
    private static final class HeadList extends Module {
        private int n;

        <M extends Module> M add(M m) {
            return child(Integer.toString(n++), m);
        }
    }
}
