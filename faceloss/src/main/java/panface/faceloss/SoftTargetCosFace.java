package panface.faceloss;

import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * CosFace against soft targets, the LAFS fine-tuning's loss when mixup is active: logits
 * s (cos - m y) with y the soft target rows (N, C) (the reference's CosFace subtracts m one_hot,
 * and with mixup one_hot is the mixed, smoothed target), then the soft-target cross-entropy
 * mean_i sum_j -y_ij log softmax(logits)_ij. With one-hot targets it is the CosFace head's loss.
 */
public final class SoftTargetCosFace {
    private SoftTargetCosFace() {
    }

    /**
     * The mean loss of embeddings (N, D) against soft targets (N, C) over class centres (C, D),
     * with scale s and additive cosine margin m.
     */
    public static Tensor loss(Tensor embeddings, Tensor targets, Tensor centres, double s, double m) {
        if (embeddings.dim() != 2 || centres.dim() != 2 || embeddings.size(1) != centres.size(1) || targets.dim() != 2
                || targets.size(0) != embeddings.size(0) || targets.size(1) != centres.size(0)) {
            throw new IllegalArgumentException("soft-target CosFace expects embeddings (N, D), targets (N, C) and centres (C, D), got "
                    + embeddings.describe() + ", " + targets.describe() + " and " + centres.describe());
        }
        Tensor cos = Heads.normalize(embeddings).matmul(Heads.normalize(centres).mT());
        Tensor logits = cos.sub(targets.mul(m)).mul(s);
        return F.logSoftmax(logits, 1).mul(targets).sum(1, false).mean().neg();
    }
}
