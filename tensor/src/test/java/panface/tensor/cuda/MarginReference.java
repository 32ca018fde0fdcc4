package panface.tensor.cuda;

import static panface.tensor.cuda.KernelViews.viewOf;

import panface.tensor.Backends;
import panface.tensor.Tensor;

/**
 * The margin cross-entropy for the CUDA kernel's tests: on a CUDA device the backend's {@code
 * margin_ce} kernel, on the CPU a float64 evaluation of the formula written here (the CPU kernel
 * belongs to the face-loss module, which this one cannot see). Per row, z_j = s*clamp(c_j) for
 * j != y and z_y = s*target(c_y) with target(c) = cos(m1*acos(c) + m2) - m3 (or insightface's
 * hard fallback where m1*theta + m2 passes pi); loss = logsumexp(z) - z_y; the gradient is
 * scale * (softmax(z) - onehot(y)) * dz/dc, zero for cosines outside [-1, 1].
 */
final class MarginReference {
    /** Exact-mode derivatives are taken this far inside [-1, 1], where acos' derivative is finite. */
    private static final double EPS = 1e-7;

    private MarginReference() {
    }

    /** Runs the kernel of cos's device: loss (B) and, when not null, grad (B, K). */
    static void marginCrossEntropy(Tensor cos, Tensor labels, double s, double m1, double m2, double m3, boolean exact, boolean hard,
                                   double scale, Tensor loss, Tensor grad) {
        if (!cos.device().isCpu()) {
            ((CudaBackend) Backends.of(cos.device())).marginCrossEntropy(viewOf(cos), viewOf(labels), s, m1, m2, m3, exact, hard, scale, viewOf(loss), viewOf(grad));
            return;
        }
        int rows = cos.size(0);
        int k = cos.size(1);
        double[] c = cos.toDoubleArray();
        long[] y = labels.toLongArray();
        double[] l = new double[rows];
        double[] g = new double[c.length];
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            int t = (int) y[r];
            double[] target = t >= 0 ? target(clamp(c[o + t]), m1, m2, m3, exact, hard) : null;
            double[] z = new double[k];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                z[j] = j == t ? s * target[0] : s * clamp(c[o + j]);
                max = Math.max(max, z[j]);
            }
            // the negatives' share apart from the target's term: loss = log1p(negatives / target) and
            // p_y - 1 = -negatives / total, without the cancellation of a confident row
            double negatives = 0;
            for (int j = 0; j < k; j++) {
                negatives += j == t ? 0 : Math.exp(z[j] - max);
            }
            double own = t >= 0 ? Math.exp(z[t] - max) : 0;
            double total = negatives + own;
            l[r] = t < 0 ? 0 : own > 0 ? Math.log1p(negatives / own) : max + Math.log(total) - z[t];
            for (int j = 0; j < k; j++) {
                double dz = j == t ? -negatives / total : Math.exp(z[j] - max) / total;
                double dc = j == t ? s * target[1] : s;
                g[o + j] = c[o + j] < -1 || c[o + j] > 1 ? 0 : scale * dz * dc;
            }
        }
        loss.copyFrom(Tensor.of(l, rows));
        if (grad != null) {
            grad.copyFrom(Tensor.of(g, rows, k));
        }
    }

    /** The margined target cosine and its derivative (1 when straight-through). */
    private static double[] target(double c, double m1, double m2, double m3, boolean exact, boolean hard) {
        if (m1 == 1.0 && m2 == 0.0) {
            return new double[] {c - m3, 1.0};
        }
        double theta = Math.acos(c);
        if (hard && m1 * theta + m2 > Math.PI) {
            double mm = m1 == 1.0 ? Math.sin(Math.PI - m2) * m2 : 1 + Math.cos((Math.PI - m2) / m1);
            return new double[] {c - mm - m3, 1.0};
        }
        double cc = Math.min(Math.max(c, -1 + EPS), 1 - EPS);
        double d = exact ? Math.sin(m1 * Math.acos(cc) + m2) * m1 / Math.sqrt(1 - cc * cc) : 1.0;
        return new double[] {Math.cos(m1 * theta + m2) - m3, d};
    }

    private static double clamp(double c) {
        return Math.min(Math.max(c, -1), 1);
    }
}
