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
 * AdaFace (Kim et al., CVPR 2022): the margin adapts to image quality through the feature norm.
 * With the norm's batch statistics tracked as running mean/std (momentum t_alpha), z = clip((|x|
 * - mean) / (std + eps) * h, -1, 1); the target angle gets g_angular = -m z and the target
 * cosine g_add = m + m z: logit = s (cos(clamp(theta + g_angular, eps, pi - eps)) - g_add).
 * Defaults m=0.4, h=0.333, s=64, t_alpha=0.01. The norm enters without gradient. Keys: weight,
 * batch_mean, batch_std.
 */
public final class AdaFace extends Module {
    private static final double EPS = 1e-3;
    private final Parameter weight;
    private final Buffer batchMean;
    private final Buffer batchStd;
    private final double s;
    private final double m;
    private final double h;
    private final double tAlpha;

    public AdaFace(int numClasses, int dim, double s, double m, double h, double tAlpha, Generator gen) {
        this.weight = parameter("weight", Init.normal(gen, 0, 0.01, numClasses, dim));
        this.batchMean = buffer("batch_mean", Tensor.full(20, panface.tensor.Device.CPU, DType.F32, 1));
        this.batchStd = buffer("batch_std", Tensor.full(100, panface.tensor.Device.CPU, DType.F32, 1));
        this.s = s;
        this.m = m;
        this.h = h;
        this.tAlpha = tAlpha;
    }

    /** The mean loss of (unnormalised) embeddings (B, D) against labels (B). */
    public Tensor loss(Tensor embeddings, Tensor labels) {
        int b = embeddings.size(0);
        Tensor cos = Heads.normalize(embeddings).matmul(Heads.normalize(weight.data()).mT()).clamp(-1 + EPS, 1 - EPS);
        Tensor scaler;
        try (var g = GradMode.noGrad()) {
            Tensor norms = embeddings.detach().norm(2, new int[] {1}, true).clamp(0.001, 100);      // (B, 1)
            Tensor mean = norms.mean();
            Tensor std = norms.var(new int[] {0, 1}, 1, false).sqrt();
            batchMean.data().copyFrom(mean.reshape(1).mul(tAlpha).add(batchMean.data().mul(1 - tAlpha)));
            batchStd.data().copyFrom(std.reshape(1).mul(tAlpha).add(batchStd.data().mul(1 - tAlpha)));
            scaler = norms.sub(batchMean.data().to(norms.dtype())).div(batchStd.data().to(norms.dtype()).add(EPS)).mul(h).clamp(-1, 1);
        }
        Tensor y = labels.to(DType.I64).reshape(b, 1);
        Tensor onehot = F.scatterAdd(Tensor.zerosLike(cos).detach(), 1, y, Tensor.ones(cos.dtype(), b, 1));
        Tensor gAngular = onehot.mul(scaler.to(cos.dtype()).mul(-m));
        Tensor theta = cos.acos().add(gAngular).clamp(EPS, Math.PI - EPS);
        Tensor gAdd = onehot.mul(scaler.to(cos.dtype()).mul(m).add(m));
        Tensor logits = theta.cos().sub(gAdd).mul(s);
        return F.crossEntropy(logits, labels);
    }
}
