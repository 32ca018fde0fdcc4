package panface.distributed;

import panface.faceloss.Margin;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
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
        Scope home = Scope.current();
        Tensor lossOut;
        Tensor grad;
        try (var ng = GradMode.noGrad(); Scope tmp = Scope.open()) {
            Tensor c = cos.detach().to(dt).contiguous();
            Device dev = c.device();
            int owned = 0;
            for (int i = 0; i < g; i++) {
                if (y[i] < -1 || y[i] >= k) {
                    throw new IndexOutOfBoundsException("label " + y[i] + " of row " + i + " is outside [-1, " + k + ")");
                }
                owned += y[i] >= 0 ? 1 : 0;
            }
            // the rows whose target column is here: their flat positions and raw cosines
            long[] flat = new long[owned];
            long[] col = new long[g];
            for (int i = 0, j = 0; i < g; i++) {
                col[i] = Math.max(y[i], 0);
                if (y[i] >= 0) {
                    flat[j++] = (long) i * k + y[i];
                }
            }
            double[] raw = F.gather(c, 1, Tensor.of(col, g, 1).to(dev)).toDoubleArray();
            double[] zy = new double[g];
            double[] dy = new double[g];
            double[] drop = new double[owned];
            for (int i = 0; i < g; i++) {
                if (y[i] >= 0) {
                    double[] t = MarginTarget.of(m, Math.min(Math.max(raw[i], -1), 1));
                    zy[i] = m.s() * t[0];
                    dy[i] = t[1];
                }
            }
            java.util.Arrays.fill(drop, Double.NEGATIVE_INFINITY);
            Tensor flatIdx = Tensor.of(flat, owned).to(dev);
            // one (G, K) working matrix: s * clamp(c) with the targets at -inf, then the negatives'
            // exponentials, then the gradient
            Tensor w = Tensor.empty(dev, dt, g, k);
            w.backend().unary(UnaryOp.CLAMP, c.asView(), w.asView(), -1, 1);
            w.mulInPlace(m.s());
            if (owned > 0) {
                w.backend().indexAdd(w.view(g * k).asView(), 0, flatIdx.asView(), Tensor.of(drop, owned).to(dt).to(dev).asView());
            }
            double[] max = w.max(1, false).toDoubleArray();
            for (int i = 0; i < g; i++) {
                if (y[i] >= 0) {
                    max[i] = Math.max(max[i], zy[i]);
                }
            }
            Tensor maxT = Tensor.of(max, g).to(dt).to(dev);
            comm.allReduce(maxT, Communicator.Op.MAX);
            double[] mx = maxT.toDoubleArray();
            w.addInPlace(maxT.reshape(g, 1), -1);
            w.backend().unary(UnaryOp.EXP, w.asView(), w.asView(), 0, 0);
            double[] neg = w.sum(1, false).toDoubleArray();
            double[] st = new double[3 * g];
            for (int i = 0; i < g; i++) {
                st[3 * i] = neg[i];
                st[3 * i + 1] = y[i] >= 0 ? Math.exp(zy[i] - mx[i]) : 0;
                st[3 * i + 2] = zy[i];
            }
            Tensor stats = Tensor.of(st, g, 3).to(dt).to(dev);
            comm.allReduce(stats, Communicator.Op.SUM);
            st = stats.toDoubleArray();
            double sum = 0;
            double[] rowScale = new double[g];
            double[] targetGrad = new double[owned];
            for (int i = 0, j = 0; i < g; i++) {
                double negatives = st[3 * i];
                double target = st[3 * i + 1];
                double total = negatives + target;
                sum += target > 0 ? Math.log1p(negatives / target) : mx[i] + Math.log(total) - st[3 * i + 2];
                rowScale[i] = m.s() / total / g;
                if (y[i] >= 0) {
                    // p_y - 1 = -(negatives' share): no cancellation when p_y is close to 1
                    targetGrad[j++] = -(negatives / total) * m.s() * dy[i] / g;
                }
            }
            lossOut = keep(home, Tensor.scalar(sum / g, dt).to(dev));
            if (!needGrad) {
                return lossOut;
            }
            w.mulInPlace(Tensor.of(rowScale, g, 1).to(dt).to(dev));
            if (owned > 0) {
                w.backend().indexAdd(w.view(g * k).asView(), 0, flatIdx.asView(), Tensor.of(targetGrad, owned).to(dt).to(dev).asView());
            }
            if (c.max().item() > 1 || c.min().item() < -1) {
                // the reference clamps: no gradient where the raw cosine lies outside [-1, 1]
                w.mulInPlace(c.abs().le(Tensor.scalar(1, dt).to(dev)).to(dt));
            }
            grad = keep(home, w);
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

    /** Moves a result out of the temporaries' scope into the caller's (or to the collector without one). */
    private static Tensor keep(Scope home, Tensor t) {
        return home != null ? home.keep(t) : Scope.disown(t);
    }
}
