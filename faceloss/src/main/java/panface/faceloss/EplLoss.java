package panface.faceloss;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * EPL's loss: the mean of the margin-softmax cross-entropy against the trainable centres W and
 * the cross-entropy against the empirical prototypes P, whose target logit carries the adaptive
 * margin k * sg(s(x, P_y)): z^P = s * x.P^T with z^P_y = s * (x.P_y - k sg(x.P_y)). P receives no
 * gradient. As the reference's CosFace variant, the W-half takes the configured margin and the
 * P-half only the adaptive one ({@code marginOnPrototypes} adds it to both, as Arcface_EPL).
 */
public final class EplLoss {
    private final double k;
    private final boolean marginOnPrototypes;

    /** k = 0.7 in the reference. */
    public EplLoss(double k, boolean marginOnPrototypes) {
        if (!(k >= 0 && k < 1)) {
            throw new IllegalArgumentException("EPL's k must be in [0, 1), got " + k);
        }
        this.k = k;
        this.marginOnPrototypes = marginOnPrototypes;
    }

    /** The prototype cross-entropy alone, mean over the batch. */
    public Tensor prototypeLoss(Tensor embeddings, Tensor labels, Tensor prototypes, Margin margin) {
        Tensor x = Heads.normalize(embeddings);
        Tensor vp = x.matmul(Heads.normalize(prototypes.detach()).mT());               // (B, C)
        int b = vp.size(0);
        Tensor target = F.gather(vp, 1, labels.to(DType.I64).reshape(b, 1));          // (B, 1)
        Tensor onehot = F.scatterAdd(Tensor.zerosLike(vp).detach(), 1, labels.to(DType.I64).reshape(b, 1),
                Tensor.ones(vp.dtype(), b, 1));
        Tensor shifted = vp.sub(onehot.mul(target.detach().mul(k)));
        if (marginOnPrototypes) {
            return MarginSoftmax.loss(shifted, labels, margin, false);
        }
        return F.crossEntropy(shifted.mul(margin.s()), labels);
    }

    /** (CE(z^W) + CE(z^P)) / 2 with the centres' loss computed by the given head. */
    public Tensor loss(Tensor centresLoss, Tensor embeddings, Tensor labels, Tensor prototypes, Margin margin) {
        return centresLoss.add(prototypeLoss(embeddings, labels, prototypes, margin)).mul(0.5);
    }
}
