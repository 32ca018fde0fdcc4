package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradCheck;
import panface.tensor.random.Generator;

/** CosFace against soft targets (LAFS fine-tuning with mixup), checked against plain float64 arithmetic. */
class SoftTargetCosFaceTest {
    private final Generator gen = new Generator(77);

    private Tensor rnd(int... shape) {
        return Tensor.randn(gen, shape).to(DType.F64);
    }

    /** Soft rows: positive, summing to one, mass spread over two classes as mixup makes them. */
    private static Tensor softTargets(int n, int c, long[] a, long[] b, double lambda, double smoothing) {
        double[] t = new double[n * c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double off = smoothing / c;
                double on = 1 - smoothing + off;
                t[i * c + j] = lambda * (j == a[i] ? on : off) + (1 - lambda) * (j == b[i] ? on : off);
            }
        }
        return Tensor.of(t, n, c);
    }

    @Test
    void oneHotTargetsGiveTheCosFaceHeadsLoss() {
        Tensor e = rnd(6, 8);
        Tensor w = rnd(11, 8);
        long[] y = {0, 3, 3, 10, 7, 1};
        Tensor hard = softTargets(6, 11, y, y, 1, 0);
        for (double s : new double[] {1, 64}) {
            double want = CombinedMarginHead.loss(e, Tensor.of(y), w, Margin.cosFace(s, 0.4)).item();
            double got = SoftTargetCosFace.loss(e, hard, w, s, 0.4).item();
            // the same float64 arithmetic in another order: rounding only
            assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "s=" + s);
        }
    }

    @Test
    void softTargetsMatchPlainArithmetic() {
        int n = 4;
        int c = 5;
        int d = 3;
        Tensor e = rnd(n, d);
        Tensor w = rnd(c, d);
        Tensor t = softTargets(n, c, new long[] {0, 2, 4, 1}, new long[] {1, 2, 0, 3}, 0.37, 0.1);
        double s = 64;
        double m = 0.4;
        double[] ev = e.toDoubleArray();
        double[] wv = w.toDoubleArray();
        double[] tv = t.toDoubleArray();
        double total = 0;
        for (int i = 0; i < n; i++) {
            double[] logit = new double[c];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                double dot = 0;
                double ne = 0;
                double nw = 0;
                for (int k = 0; k < d; k++) {
                    dot += ev[i * d + k] * wv[j * d + k];
                    ne += ev[i * d + k] * ev[i * d + k];
                    nw += wv[j * d + k] * wv[j * d + k];
                }
                logit[j] = s * (dot / Math.sqrt(ne) / Math.sqrt(nw) - m * tv[i * c + j]);
                max = Math.max(max, logit[j]);
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(logit[j] - max);
            }
            double lse = max + Math.log(sum);
            for (int j = 0; j < c; j++) {
                total -= tv[i * c + j] * (logit[j] - lse);
            }
        }
        double want = total / n;
        double got = SoftTargetCosFace.loss(e, t, w, s, m).item();
        // float64 throughout; logits of size s = 64 lose a few ulps in the log-sum-exp
        assertEquals(want, got, 1e-11 * Math.max(1, Math.abs(want)));
    }

    @Test
    void gradientsPassAGradientCheck() {
        Tensor t = softTargets(3, 6, new long[] {5, 0, 2}, new long[] {2, 0, 5}, 0.8, 0.1);
        GradCheck.check("soft-target CosFace", in -> SoftTargetCosFace.loss(in[0], t, in[1], 8, 0.35), rnd(3, 4).requiresGrad(true),
                rnd(6, 4).requiresGrad(true));
    }

    @Test
    void mismatchedShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SoftTargetCosFace.loss(rnd(3, 4), rnd(3, 5), rnd(6, 4), 64, 0.4));
        assertThrows(IllegalArgumentException.class, () -> SoftTargetCosFace.loss(rnd(3, 4), rnd(2, 6), rnd(6, 4), 64, 0.4));
    }
}
