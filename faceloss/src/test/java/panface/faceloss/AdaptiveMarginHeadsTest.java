package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The heads whose margin adapts during training, AdaFace and CurricularFace, against float64
 * computations of their papers' formulas (as their reference implementations run them) written
 * out in this file: loss, gradient w.r.t. the embeddings, and the running statistics.
 */
class AdaptiveMarginHeadsTest {
    private final Generator gen = new Generator(53);

    private double[][] randomRows(int n, int d) {
        return Ref64.rows(Tensor.randn(gen, n, d).to(DType.F64));
    }

    private static Tensor scalar(double v) {
        return Tensor.of(new double[] {v}, 1);
    }

    @Test
    void adaFaceMarginFollowsTheFeatureNormAgainstItsBatchStatistics() {
        double s = 64;
        double m = 0.4;
        double h = 0.333;
        double eps = 1e-3;
        AdaFace ada = new AdaFace(10, 6, s, m, h, 0.01, new Generator(10));
        double[][] w = randomRows(10, 6);
        ada.bind(Map.of("weight", Ref64.tensor(w), "batch_mean", scalar(30), "batch_std", scalar(15)));
        // norms from low to high quality, so the scaled norm covers both clipped and unclipped values
        double[] norms = {2, 10, 20, 30, 40, 55, 70, 90};
        double[][] e = Ref64.unitRows(randomRows(8, 6));
        for (int i = 0; i < e.length; i++) {
            for (int d = 0; d < 6; d++) {
                e[i][d] *= norms[i];
            }
        }
        long[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
        Tensor x = Ref64.tensor(e).requiresGrad(true);
        Tensor loss = ada.loss(x, Tensor.of(labels, labels.length));
        loss.backward();

        double mean = 0;
        for (double n : norms) {
            mean += n / norms.length;
        }
        double var = 0;
        for (double n : norms) {
            var += (n - mean) * (n - mean) / (norms.length - 1);
        }
        double runningMean = 0.01 * mean + 0.99 * 30;
        double runningStd = 0.01 * Math.sqrt(var) + 0.99 * 15;
        double[][] cos = Ref64.cosines(e, w);
        double want = 0;
        double[][] g = new double[e.length][];
        boolean clipped = false;
        boolean inside = false;
        for (int i = 0; i < e.length; i++) {
            double z = Math.max(-1, Math.min(1, (norms[i] - runningMean) / (runningStd + eps) * h));
            clipped |= Math.abs(z) == 1;
            inside |= Math.abs(z) < 0.9 && Math.abs(z) > 0.1;
            double[] logits = new double[w.length];
            double[] dLogit = new double[w.length];
            for (int j = 0; j < w.length; j++) {
                double c = Math.max(-1 + eps, Math.min(1 - eps, cos[i][j]));
                logits[j] = s * c;
                dLogit[j] = s;
            }
            int y = (int) labels[i];
            double c = Math.max(-1 + eps, Math.min(1 - eps, cos[i][y]));
            double theta = Math.acos(c) - m * z;                  // g_angular = -m z
            double clampedTheta = Math.max(eps, Math.min(Math.PI - eps, theta));
            logits[y] = s * (Math.cos(clampedTheta) - (m + m * z));  // g_additive = m + m z
            dLogit[y] = clampedTheta == theta ? s * Math.sin(theta) / Math.sqrt(1 - c * c) : 0;
            want += Ref64.crossEntropy(logits, y) / e.length;
            g[i] = Ref64.softmax(logits);
            g[i][y] -= 1;
            for (int j = 0; j < w.length; j++) {
                g[i][j] *= dLogit[j] / e.length;
            }
        }
        assertTrue(clipped && inside, "the inputs exercise both the clipped and the linear part of the scaled norm");
        Map<String, Tensor> state = ada.stateDict();
        // float64 throughout: only summation order differs
        assertEquals(runningMean, state.get("batch_mean").item(), 1e-12, "running mean of the norms, t_alpha 0.01");
        assertEquals(runningStd, state.get("batch_std").item(), 1e-12, "running (unbiased) std of the norms, t_alpha 0.01");
        assertEquals(want, loss.item(), 1e-12 * want);
        assertArrayEquals(Ref64.flat(Ref64.embeddingGradient(g, e, w)), x.grad().toDoubleArray(), 1e-12,
                "gradient: through the cosines only, the norm enters without gradient");
    }

    @Test
    void curricularFaceReweightsHardNegativesWithTheRunningTargetMean() {
        double s = 16;
        double m = 0.5;
        double t0 = 0.3;
        int classes = 6;
        double[][] w = Ref64.unitRows(randomRows(classes, 16));
        long[] labels = {2, 0, 4, 1, 5, 3};
        int[] other = {3, 5, 1, 4, 0, 2};
        // each embedding leans from its class towards another one; the last points almost straight away from its class
        double[] lean = {1.5, 0.9, 0.6, 0.2, 1.2, 0.1};
        double[] toward = {1, 1, 1, 1, 1, -1};
        double[] jitter = {0.15, 0.15, 0.15, 0.15, 0.15, 0.02};
        double[][] noise = randomRows(labels.length, 16);
        double[][] e = new double[labels.length][16];
        for (int i = 0; i < labels.length; i++) {
            for (int d = 0; d < 16; d++) {
                e[i][d] = 3 * (toward[i] * w[(int) labels[i]][d] + lean[i] * w[other[i]][d] + jitter[i] * noise[i][d]);
            }
        }
        CurricularFace cf = new CurricularFace(classes, 16, s, m, new Generator(1));
        cf.bind(Map.of("weight", Ref64.tensor(w), "t", scalar(t0)));
        Tensor x = Ref64.tensor(e).requiresGrad(true);
        Tensor loss = cf.loss(x, Tensor.of(labels, labels.length));
        loss.backward();

        double[][] cos = Ref64.cosines(e, w);
        double targetMean = 0;
        for (int i = 0; i < labels.length; i++) {
            targetMean += cos[i][(int) labels[i]] / labels.length;
        }
        double t = 0.01 * targetMean + 0.99 * t0;                // updated before it is used, as the reference
        double want = 0;
        double[][] g = new double[labels.length][];
        int hard = 0;
        int easy = 0;
        int fallback = 0;
        for (int i = 0; i < labels.length; i++) {
            int y = (int) labels[i];
            double ct = cos[i][y];
            double sin = Math.sqrt(1 - ct * ct);
            double cosThetaM = ct * Math.cos(m) - sin * Math.sin(m);
            double[] logits = new double[classes];
            double[] dLogit = new double[classes];
            for (int j = 0; j < classes; j++) {
                double c = cos[i][j];
                if (j == y) {
                    boolean arc = ct > Math.cos(Math.PI - m);
                    fallback += arc ? 0 : 1;
                    logits[j] = s * (arc ? cosThetaM : ct - m * Math.sin(m));
                    dLogit[j] = s * (arc ? Math.cos(m) + Math.sin(m) * ct / sin : 1);
                } else if (c > cosThetaM) {
                    hard++;
                    logits[j] = s * c * (t + c);
                    dLogit[j] = s * (t + 2 * c);
                } else {
                    easy++;
                    logits[j] = s * c;
                    dLogit[j] = s;
                }
            }
            want += Ref64.crossEntropy(logits, y) / labels.length;
            g[i] = Ref64.softmax(logits);
            g[i][y] -= 1;
            for (int j = 0; j < classes; j++) {
                g[i][j] *= dLogit[j] / labels.length;
            }
        }
        assertTrue(hard >= 3 && easy >= 3 && fallback == 1, "inputs cover hard and easy negatives and the fallback: " + hard + " hard, "
                + easy + " easy, " + fallback + " below cos(pi - m)");
        // float64 throughout: only summation order differs
        assertEquals(t, cf.stateDict().get("t").item(), 1e-15, "t = 0.01 mean(target cos) + 0.99 t");
        assertEquals(want, loss.item(), 1e-12 * want);
        assertArrayEquals(Ref64.flat(Ref64.embeddingGradient(g, e, w)), x.grad().toDoubleArray(), 1e-12, "gradient");
    }

    @Test
    void curricularFaceWithoutHardNegativesIsExactArcFace() {
        // embeddings on their class centres: theta_y = 0, so no negative exceeds cos(theta_y + m)
        Tensor w = F.l2Normalize(Tensor.randn(gen, 6, 16).to(DType.F64), 1, 1e-12);
        Tensor y = Tensor.of(new long[] {2, 0, 4});
        Tensor e = F.indexSelect(w, 0, y).mul(3);
        CurricularFace c = new CurricularFace(6, 16, 8, 0.4, new Generator(1));
        c.bind(Map.of("weight", w));
        double want = CombinedMarginHead.loss(e, y, w, Margin.of(8, 1, 0.4, 0, Margin.Gradient.EXACT)).item();
        assertEquals(want, c.loss(e, y).item(), 1e-9);
    }
}
