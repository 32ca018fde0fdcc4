package panface.faceloss.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;

/**
 * The float32 margin softmax cross-entropy against the float64 reference on the same float32
 * cosines, in the regime of the middle and late part of training: a confident target (cosine
 * 0.6-0.95 at s = 64), 1,000 and 100,000 classes, the target in a vector block, in the scalar
 * tail, first and last, rows without a target, cosines just outside [-1, 1].
 *
 * <p>Float32 limits, from the float32 log-sum-exp's own rounding: each exponent s*c - max is
 * rounded once (fma), at most half an ulp of 128 (3.8e-6); float exp adds about an ulp; the
 * lanes sum at most 64 terms before moving to double (64 x 6e-8). So each exponential, their
 * sum, the loss (log1p of the negatives' share, whose relative error is no larger than the
 * share's) and every gradient entry carry a relative error under 1e-5; 2e-5 is the limit.
 * Entries whose exponential underflows float32 are held to an absolute 1e-37.
 */
class MarginDifferentialTest {
    private static final double REL = 2e-5;
    private static final double ABS = 1e-37;

    private record Case(String name, float[] cos, long[] labels, int k) {
    }

    /** Rows whose target cosine is {@code target} and whose negatives are N(mu, sigma^2), labels spread over the row. */
    private static Case confident(String name, int rows, int k, double target, double mu, double sigma, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] c = new float[rows * k];
        long[] y = new long[rows];
        int[] positions = {0, k - 1, k / 2, k - k % 16 - 3, 17, k - 2};
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < k; j++) {
                c[i * k + j] = (float) Math.max(-1, Math.min(1, mu + sigma * r.nextGaussian()));
            }
            y[i] = positions[i % positions.length];
            c[i * k + (int) y[i]] = (float) target;
        }
        return new Case(name, c, y, k);
    }

    private static void check(Case cs, CpuMarginCrossEntropy.Margin m) {
        int rows = cs.labels().length;
        Tensor c32 = Tensor.of(cs.cos(), rows, cs.k());
        Tensor c64 = c32.to(DType.F64);
        Tensor labels = Tensor.of(cs.labels(), rows);
        Tensor loss32 = Tensor.zeros(DType.F32, rows);
        Tensor loss64 = Tensor.zeros(DType.F64, rows);
        Tensor g32 = Tensor.zeros(DType.F32, rows, cs.k());
        Tensor g64 = Tensor.zeros(DType.F64, rows, cs.k());
        double scale = 1.0 / rows;
        CpuMarginCrossEntropy.marginCrossEntropy(c32.asView(), labels.asView(), m, scale, loss32.asView(), g32.asView());
        CpuMarginCrossEntropy.marginCrossEntropy(c64.asView(), labels.asView(), m, scale, loss64.asView(), g64.asView());
        String what = cs.name() + " " + m;
        close(what + " loss", loss64.toDoubleArray(), loss32.toDoubleArray());
        close(what + " gradient", g64.toDoubleArray(), g32.toDoubleArray());
        // the heads write the gradient over their logits (not compared bit for bit with g32: the
        // vector exp of a method the JIT has not compiled yet rounds differently in the last bit)
        Tensor inPlace = Tensor.of(cs.cos().clone(), rows, cs.k());
        CpuMarginCrossEntropy.marginCrossEntropy(inPlace.asView(), labels.asView(), m, scale, Tensor.zeros(DType.F32, rows).asView(), inPlace.asView());
        close(what + " gradient written over the logits", g64.toDoubleArray(), inPlace.toDoubleArray());
    }

    private static void close(String what, double[] want, double[] got) {
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            if (Double.isNaN(w) && Double.isNaN(g) || w == g) {
                continue;
            }
            if (!(Math.abs(g - w) <= REL * Math.abs(w) + ABS)) {
                fail(what + " element " + i + ": float32 " + g + ", float64 " + w + " (relative error " + Math.abs(g - w) / Math.abs(w) + ")");
            }
        }
    }

    private static final CpuMarginCrossEntropy.Margin ARC_ST = new CpuMarginCrossEntropy.Margin(64, 1, 0.5, 0, false, false);
    private static final CpuMarginCrossEntropy.Margin ARC_EXACT = new CpuMarginCrossEntropy.Margin(64, 1, 0.5, 0, true, true);
    private static final CpuMarginCrossEntropy.Margin COS = new CpuMarginCrossEntropy.Margin(64, 1, 0, 0.4, false, false);
    private static final CpuMarginCrossEntropy.Margin COMBINED = new CpuMarginCrossEntropy.Margin(64, 1, 0.3, 0.2, true, true);

    @Test
    void confidentTargetsAgreeWithFloat64() {
        for (CpuMarginCrossEntropy.Margin m : new CpuMarginCrossEntropy.Margin[] {ARC_ST, ARC_EXACT, COS, COMBINED}) {
            check(confident("target 0.7, negatives N(0, 0.1^2)", 6, 1000, 0.7, 0, 0.1, 1), m);
            check(confident("target 0.9, negatives near 0.5", 6, 1000, 0.9, 0.5, 0.05, 2), m);
            check(confident("target 0.95, odd width", 6, 1013, 0.95, 0, 0.1, 3), m);
            check(confident("target 0.6, negatives N(0.2, 0.1^2)", 6, 1000, 0.6, 0.2, 0.1, 4), m);
        }
    }

    @Test
    void aHundredThousandClassRow() {
        for (CpuMarginCrossEntropy.Margin m : new CpuMarginCrossEntropy.Margin[] {ARC_ST, COS}) {
            check(confident("100,000 classes, target 0.8", 2, 100_000, 0.8, 0, 0.1, 5), m);
            check(confident("100,003 classes, target 0.65, negatives near 0.3", 2, 100_003, 0.65, 0.3, 0.1, 6), m);
        }
    }

    @Test
    void hardRowsNoTargetAndCosinesOutsideTheRange() {
        Case cs = confident("mixed", 5, 333, 0.8, 0, 0.3, 7);
        float[] c = cs.cos();
        long[] y = cs.labels();
        y[1] = -1;                                  // the target is on another shard
        c[2 * 333 + (int) y[2]] = -0.97f;           // theta + m > pi: the hard fallback
        c[3 * 333 + 5] = 1.0000001f;                // a negative just outside [-1, 1]: zero gradient
        c[4 * 333 + (int) y[4]] = 0.99999994f;      // a target at the edge of acos
        for (CpuMarginCrossEntropy.Margin m : new CpuMarginCrossEntropy.Margin[] {ARC_ST, ARC_EXACT, COS, COMBINED}) {
            check(cs, m);
        }
    }

    /** The measured failure of the old kernel: its loss came out 0.0009 where the true loss is 7.02. */
    @Test
    void lossOfAConfidentRowIsNotSwallowed() {
        Case cs = confident("target 0.7", 1, 1000, 0.7, 0, 0.1, 8);
        Tensor loss = Tensor.zeros(DType.F32, 1);
        Tensor grad = Tensor.zeros(DType.F32, 1, 1000);
        CpuMarginCrossEntropy.marginCrossEntropy(Tensor.of(cs.cos(), 1, 1000).asView(), Tensor.of(cs.labels(), 1).asView(), ARC_ST, 1.0, loss.asView(), grad.asView());
        // independently: log(sum_j exp(z_j)) - z_y in double, z_y = 64 cos(acos(0.7) + 0.5)
        double zy = 64 * Math.cos(Math.acos(0.7f) + 0.5);
        double max = zy;
        for (int j = 0; j < 1000; j++) {
            if (j != cs.labels()[0]) {
                max = Math.max(max, 64.0 * cs.cos()[j]);
            }
        }
        double sum = Math.exp(zy - max);
        for (int j = 0; j < 1000; j++) {
            if (j != cs.labels()[0]) {
                sum += Math.exp(64.0 * cs.cos()[j] - max);
            }
        }
        double want = max + Math.log(sum) - zy;
        assertTrue(want > 1, "the case is meant to have a large loss, got " + want);
        assertEquals(want, loss.item(), REL * want);
        double pTarget = Math.exp(zy - max) / sum;
        assertEquals(64 * (pTarget - 1), grad.toDoubleArray()[(int) cs.labels()[0]], REL * 64);
    }
}
