package panface.distributed;

import panface.faceloss.Margin;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/**
 * The margin softmax cross-entropy over class columns split across ranks (insightface's
 * DistCrossEntropy with the combined margin in front): each rank holds the cosines of the whole
 * global batch against its own centres. The row maximum is all-reduced with MAX; the sum of the
 * negatives' exponentials, the target's exponential and the target logit (each target lives on
 * exactly one rank, the others contribute zero) are all-reduced with SUM in one collective. The
 * loss, the same scalar on every rank, is the mean over the global batch of
 * log(1 + negatives / target); the backward returns each rank's columns of the gradient, p_j
 * for the negatives and p_y - 1 = -(negatives / total) for the target (no cancellation when the
 * target is confident), times s, the margin's derivative, and zero where the raw cosine lies
 * outside [-1, 1] (the reference clamps there). Float64 input computes in float64, anything else
 * in float32.
 */
public final class DistMarginSoftmax {
    private DistMarginSoftmax() {
    }

    /**
     * Mean loss of cosines (G, K) against labels (G): a label in [0, K) is a column of this rank,
     * -1 marks a row whose target lives on another rank. Every rank must call it with the same G.
     */
    public static Tensor loss(Communicator comm, Tensor cos, Tensor labels, Margin m) {
        if (cos.dim() != 2 || labels.dim() != 1 || labels.size(0) != cos.size(0)) {
            throw new IllegalArgumentException("distributed margin softmax expects cosines (G, K) and labels (G), got " + cos.describe()
                    + " and " + labels.describe());
        }
        DType dt = cos.dtype() == DType.F64 ? DType.F64 : DType.F32;
        boolean needGrad = GradMode.needsGrad(cos);
        int g = cos.size(0);
        int k = cos.size(1);
        long[] y = labels.toLongArray();
        Tensor lossOut;
        Tensor grad;
        try (var ng = GradMode.noGrad()) {
            Tensor c = cos.detach().to(dt).contiguous();
            Tensor cc = c.clamp(-1, 1);
            long[] col = new long[g];
            double[] has = new double[g];
            for (int i = 0; i < g; i++) {
                if (y[i] < -1 || y[i] >= k) {
                    throw new IndexOutOfBoundsException("label " + y[i] + " of row " + i + " is outside [-1, " + k + ")");
                }
                col[i] = Math.max(y[i], 0);
                has[i] = y[i] >= 0 ? 1 : 0;
            }
            Tensor colIdx = Tensor.of(col, g, 1).to(c.device());
            Tensor hasCol = Tensor.of(has, g, 1).to(dt).to(c.device());
            double[] ct = F.gather(cc, 1, colIdx).toDoubleArray();
            double[] zy = new double[g];
            double[] dy = new double[g];
            for (int i = 0; i < g; i++) {
                if (y[i] >= 0) {
                    double[] t = MarginTarget.of(m, ct[i]);
                    zy[i] = m.s() * t[0];
                    dy[i] = t[1];
                }
            }
            Tensor onehot = F.scatterAdd(Tensor.zeros(c.device(), dt, g, k), 1, colIdx, hasCol);
            Tensor zyCol = Tensor.of(zy, g, 1).to(dt).to(c.device());
            Tensor z = cc.mul(m.s());
            z = z.add(onehot.mul(zyCol.sub(z)));
            Tensor max = z.max(1, true).contiguous();
            comm.allReduce(max, Communicator.Op.MAX);
            Tensor e = z.sub(max).exp();
            Tensor negE = e.mul(onehot.neg().add(1));
            Tensor stats = F.cat(java.util.List.of(negE.sum(1, true), e.mul(onehot).sum(1, true), zyCol.mul(hasCol)), 1).contiguous();
            comm.allReduce(stats, Communicator.Op.SUM);
            double[] st = stats.toDoubleArray();
            double[] mx = max.toDoubleArray();
            double sum = 0;
            double[] sOverTotal = new double[g];
            double[] targetGrad = new double[g];
            for (int i = 0; i < g; i++) {
                double neg = st[3 * i];
                double target = st[3 * i + 1];
                double zyi = st[3 * i + 2];
                double total = neg + target;
                sum += target > 0 ? Math.log1p(neg / target) : mx[i] + Math.log(total) - zyi;
                sOverTotal[i] = m.s() / total / g;
                targetGrad[i] = -(neg / total) * m.s() * dy[i] / g;
            }
            lossOut = Tensor.scalar(sum / g, dt).to(c.device());
            if (!needGrad) {
                return lossOut;
            }
            Tensor inRange = c.ge(Tensor.scalar(-1, dt).to(c.device())).logicalAnd(c.le(Tensor.scalar(1, dt).to(c.device()))).to(dt);
            Tensor gNeg = negE.mul(Tensor.of(sOverTotal, g, 1).to(dt).to(c.device()));
            Tensor gTarget = onehot.mul(Tensor.of(targetGrad, g, 1).to(dt).to(c.device()));
            grad = gNeg.add(gTarget).mul(inRange);
        }
        DType outType = cos.dtype();
        Node node = new Node("distMarginSoftmax", cos) {
            @Override
            public Tensor[] backward(Tensor up) {
                Tensor gc = saved(0);
                double u = up.item();
                Tensor out = u == 1.0 ? gc : gc.mul(u);
                return new Tensor[] {out.to(outType)};
            }
        };
        node.save(grad);
        return lossOut.withGradFn(node);
    }
}
