package panface.faceloss;

import panface.nn.Buffer;
import panface.nn.Init;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * CurricularFace (Huang et al., CVPR 2020): ArcFace on the target (with the hard-margin
 * fallback), and hard negatives (cos_j &gt; cos(theta_y + m)) re-weighted to cos_j (t + cos_j),
 * where t is a running mean of the target cosine (t = 0.01 mean + 0.99 t, no gradient) that
 * moves the emphasis from easy to hard samples as training proceeds. Keys: weight, t.
 */
public final class CurricularFace extends Module {
    private final Parameter weight;
    private final Buffer t;
    private final double s;
    private final double m;

    public CurricularFace(int numClasses, int dim, double s, double m, Generator gen) {
        this.weight = parameter("weight", Init.normal(gen, 0, 0.01, numClasses, dim));
        this.t = buffer("t", Tensor.zeros(1));
        this.s = s;
        this.m = m;
    }

    public Parameter weight() {
        return weight;
    }

    /** The mean loss of embeddings (B, D) against labels (B). */
    public Tensor loss(Tensor embeddings, Tensor labels) {
        Tensor cos = Heads.normalize(embeddings).matmul(Heads.normalize(weight.data()).mT()).clamp(-1, 1);  // (B, C)
        int b = cos.size(0);
        Tensor y = labels.to(DType.I64).reshape(b, 1);
        Tensor target = F.gather(cos, 1, y);                                                   // (B, 1)
        Tensor sin = target.square().neg().add(1).clamp(0, 1).sqrt();
        Tensor cosM = target.mul(Math.cos(m)).sub(sin.mul(Math.sin(m)));
        double th = Math.cos(Math.PI - m);
        double mm = Math.sin(Math.PI - m) * m;
        Tensor finalTarget = F.where(target.gt(th), cosM, target.sub(mm));
        Tensor tNow;
        try (var g = GradMode.noGrad()) {
            tNow = t.data().mul(0.99).add(target.detach().mean().mul(0.01).reshape(1));
            t.data().copyFrom(tNow);
        }
        Tensor hard = cos.gt(cosM.detach());
        Tensor reweighted = F.where(hard, cos.mul(cos.add(tNow.to(cos.dtype()))), cos);
        Tensor onehot = Tensor.zerosLike(cos).detach();
        onehot = F.scatterAdd(onehot, 1, y, Tensor.ones(cos.dtype(), b, 1)).gt(0.5);
        Tensor logits = F.where(onehot, finalTarget.expand(b, cos.size(1)), reweighted).mul(s);
        return F.crossEntropy(logits, labels);
    }
}
