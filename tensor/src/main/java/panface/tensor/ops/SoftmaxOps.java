package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Reduction;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Softmax, log-softmax, cross-entropy and L2 normalisation, computed stably. */
public final class SoftmaxOps {
    private SoftmaxOps() {
    }

    /** Softmax (or log-softmax) along dim. */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        x = Autocast.forFloat32(x);
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException((log ? "logSoftmax" : "softmax") + " needs a floating-point tensor, got " + x.describe());
        }
        if (x.dim() == 0) {
            return softmax(x.reshape(1), 0, log).reshape();
        }
        int d = Shape.dim(dim, x.dim());
        int last = x.dim() - 1;
        if (d != last) {
            return softmax(x.transpose(d, last), last, log).transpose(d, last);
        }
        Tensor xc = x.detach().contiguous();
        Tensor y = x.newEmpty(x.dtype(), x.shape());
        x.backend().softmax(operand(xc), operand(y), log);
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        Node node = new Node(log ? "logSoftmax" : "softmax", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor out = saved(0);
                Tensor gx = out.newEmpty(out.dtype(), out.shape());   // every element is written
                out.backend().softmaxBackward(operand(out), g.contiguous().asView(), operand(gx), log);
                return new Tensor[] {gx};
            }
        };
        node.save(y.detach());
        return y.withGradFn(node);
    }

    /**
     * Cross-entropy of logits (B, C) against I64/I32 targets (B), with PyTorch's label smoothing:
     * loss_i = -(1 - eps) log p_{i,y} - (eps / C) sum_j log p_{i,j}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing, Reduction reduction) {
        logits = Autocast.forFloat32(logits);
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("crossEntropy expects logits (B, C), got " + logits.describe());
        }
        if (target.dim() != 1 || target.size(0) != logits.size(0) || target.dtype().isFloating() || target.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("crossEntropy expects integer class targets (B) matching logits " + logits.describe()
                    + ", got " + target.describe());
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        int c = logits.size(1);
        long[] t = target.toLongArray();
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0 || t[i] >= c) {
                throw new IndexOutOfBoundsException("crossEntropy: target " + t[i] + " at position " + i + " is outside [0, " + c + ")");
            }
        }
        Tensor logp = softmax(logits, 1, true);
        Tensor picked = Reductions.sum(logp.mul(Reductions.oneHotAlong(target.to(DType.I64).reshape(t.length, 1), logp.shape(), 1,
                logp.dtype())), new int[] {1}, false);
        Tensor perSample = picked.neg();
        if (labelSmoothing > 0) {
            Tensor smooth = Reductions.sum(logp, new int[] {1}, false).mul(-1.0 / c);
            perSample = perSample.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
        }
        return switch (reduction) {
            case MEAN -> perSample.mean();
            case SUM -> perSample.sum();
            case NONE -> perSample;
        };
    }

    /**
     * x / max(||x||_2, eps) along dim, as one op: the forward keeps only y and the clamped norm,
     * and the backward is gx = (g - y (y . g)) / n where the norm exceeds eps, g / eps elsewhere.
     */
    public static Tensor l2Normalize(Tensor x, int dim, double eps) {
        x = Autocast.forFloat32(x);
        int d = Shape.dim(dim, x.dim());
        Tensor xd = x.detach();
        Tensor n;
        Tensor y;
        try (var off = GradMode.noGrad()) {
            n = Reductions.norm(xd, 2.0, new int[] {d}, true).clamp(eps, Double.POSITIVE_INFINITY);
            y = xd.div(n);
        }
        if (!GradMode.needsGrad(x)) {
            return y;
        }
        Node node = new Node("l2Normalize", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor yy = saved(0);
                Tensor nn = saved(1);
                Tensor dot = panface.tensor.Scope.compute(() -> Reductions.sum(yy.mul(g), new int[] {d}, true));
                Tensor raw = Reductions.norm(input(0).detach(), 2.0, new int[] {d}, true);
                // where the norm was clamped to eps, y = x / eps is linear in x: no projection term
                Tensor proj = panface.tensor.F.where(raw.lt(eps), Tensor.zerosLike(dot), dot).neg();
                // (g - y proj) / n with a single full-size buffer (these matrices can be C x D)
                Tensor gx = yy.mul(proj);
                gx.addInPlace(g, 1.0);
                gx.mulInPlace(nn.reciprocal());
                return new Tensor[] {gx};
            }
        };
        node.save(y, n);
        return y.withGradFn(node);
    }
}
