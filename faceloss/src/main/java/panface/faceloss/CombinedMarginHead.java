package panface.faceloss;

import panface.nn.Init;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * A full (unsampled) margin-softmax classification head: class centres W (C, D), cosine logits
 * between normalised embeddings and normalised centres, the combined margin on the target, and
 * the fused cross-entropy. Key: weight.
 */
public final class CombinedMarginHead extends Module {
    private final Parameter weight;
    private Margin margin;

    /** Centres initialised N(0, 0.01^2), as insightface's Partial FC. */
    public CombinedMarginHead(int numClasses, int dim, Margin margin, Generator gen) {
        this.weight = parameter("weight", Init.normal(gen, 0, 0.01, numClasses, dim));
        this.margin = margin;
    }

    public Parameter weight() {
        return weight;
    }

    public Margin margin() {
        return margin;
    }

    /** Changes the margin (curricula do). */
    public void setMargin(Margin m) {
        this.margin = m;
    }

    /** Mean margin-softmax cross-entropy of embeddings (B, D) against labels (B). */
    public Tensor loss(Tensor embeddings, Tensor labels) {
        return loss(embeddings, labels, weight.data(), margin);
    }

    /** The same loss with explicit centres. */
    public static Tensor loss(Tensor embeddings, Tensor labels, Tensor centres, Margin margin) {
        if (embeddings.dim() != 2 || centres.dim() != 2 || embeddings.size(1) != centres.size(1)) {
            throw new IllegalArgumentException("margin head expects embeddings (B, D) and centres (C, D), got " + embeddings.describe() + " and "
                    + centres.describe());
        }
        Tensor cos = Heads.normalize(embeddings).matmul(Heads.normalize(centres).mT());
        return MarginSoftmax.loss(cos, labels, margin, true);
    }
}
