package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradCheck;
import panface.tensor.random.Generator;

/** Properties the face losses must have whatever the reference cases cover. */
class LossPropertiesTest {
    private final Generator gen = new Generator(31);

    private Tensor rnd(int... shape) {
        return Tensor.randn(gen, shape).to(DType.F64);
    }

    @Test
    void withoutMarginTheHeadIsScaledSoftmaxCrossEntropy() {
        Tensor e = rnd(6, 8);
        Tensor w = rnd(20, 8);
        Tensor y = Tensor.of(new long[] {0, 3, 3, 19, 7, 1});
        for (Margin.Gradient g : Margin.Gradient.values()) {
            for (double s : new double[] {1, 64, 1000}) {
                double got = CombinedMarginHead.loss(e, y, w, Margin.of(s, 1, 0, 0, g)).item();
                Tensor cos = F.l2Normalize(e, 1, 1e-12).matmul(F.l2Normalize(w, 1, 1e-12).mT());
                double want = F.crossEntropy(cos.mul(s), y).item();
                assertEquals(want, got, 1e-10 * Math.max(1, Math.abs(want)), g + " s=" + s);
            }
        }
    }

    @Test
    void exactGradientsPassAGradientCheck() {
        Tensor y = Tensor.of(new long[] {2, 0, 4});
        for (Margin m : new Margin[] {Margin.of(8, 1, 0.5, 0, Margin.Gradient.EXACT), Margin.of(8, 1, 0, 0.3, Margin.Gradient.EXACT),
            Margin.of(4, 1, 0.3, 0.2, Margin.Gradient.EXACT)}) {
            GradCheck.check("margin " + m, in -> CombinedMarginHead.loss(in[0], y, in[1], m), rnd(3, 5).requiresGrad(true),
                    rnd(6, 5).requiresGrad(true));
        }
    }

    @Test
    void partialFcAtRateOneEqualsTheFullHead() {
        Margin m = Margin.arcFace(64, 0.5);
        Tensor e = rnd(8, 6);
        Tensor y = Tensor.of(new long[] {1, 5, 5, 9, 0, 2, 7, 3});
        PartialFC pfc = new PartialFC(12, 6, 1.0, m, new Generator(2));
        CombinedMarginHead full = new CombinedMarginHead(12, 6, m, new Generator(9));
        full.loadStateDict(pfc.stateDict(), true);
        Tensor e1 = e.detach().requiresGrad(true);
        Tensor e2 = e.detach().requiresGrad(true);
        Tensor l1 = pfc.loss(e1.to(DType.F32), y);
        Tensor l2 = full.loss(e2.to(DType.F32), y);
        assertEquals(l2.item(), l1.item(), 1e-6);
        l1.backward();
        l2.backward();
        assertArrayEquals(full.weight().grad().toFloatArray(), pfc.weight().grad().toFloatArray(), 1e-7f);
        assertArrayEquals(e2.grad().toDoubleArray(), e1.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void samplingKeepsEveryPositiveAndOnlySampledRowsGetGradient() {
        PartialFC pfc = new PartialFC(1000, 8, 0.1, Margin.arcFace(64, 0.5), new Generator(3));
        long[] labels = {5, 999, 5, 123, 0, 777, 421, 42};
        Tensor y = Tensor.of(labels, labels.length);
        for (int rep = 0; rep < 5; rep++) {
            long[] idx = pfc.sample(y).toLongArray();
            assertEquals(100, idx.length);
            for (int i = 1; i < idx.length; i++) {
                assertTrue(idx[i] > idx[i - 1], "sorted and distinct");
            }
            for (long l : labels) {
                assertTrue(Arrays.binarySearch(idx, l) >= 0, "positive " + l + " kept");
            }
        }
        Tensor idx = pfc.sample(y);
        pfc.loss(Tensor.randn(gen, 8, 8), y, idx).backward();
        float[] g = pfc.weight().grad().toFloatArray();
        long[] kept = idx.toLongArray();
        for (int c = 0; c < 1000; c++) {
            double rowNorm = 0;
            for (int d = 0; d < 8; d++) {
                rowNorm += Math.abs(g[c * 8 + d]);
            }
            boolean sampled = Arrays.binarySearch(kept, c) >= 0;
            if (!sampled) {
                assertEquals(0.0, rowNorm, "unsampled class " + c + " gets exactly zero gradient");
            }
        }
        PartialFC tiny = new PartialFC(1000, 8, 0.002, Margin.arcFace(64, 0.5), new Generator(3));
        assertEquals(7, tiny.sample(y).numel(), "more positives than the sample size: the positives alone");
    }

    @Test
    void float32AtScale64WithAMillionClassesStaysFiniteAndExact() {
        try (Scope s = Scope.open()) {
            Generator g = new Generator(4);
            int classes = 1_000_000;
            Tensor w = Tensor.randn(g, classes, 8).detach().requiresGrad(true);
            Tensor e = Tensor.randn(g, 4, 8).detach().requiresGrad(true);
            long[] labels = {0, 999_999, 500_000, 3};
            Tensor loss = CombinedMarginHead.loss(e, Tensor.of(labels, 4), w, Margin.arcFace(64, 0.5));
            float[] wf = w.detach().toFloatArray();
            double[][] x = Ref64.unitRows(Ref64.rows(e.detach()));
            double want = 0;
            double[] z = new double[classes];
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < classes; c++) {
                    double dot = 0;
                    double nn = 0;
                    for (int d = 0; d < 8; d++) {
                        dot += x[i][d] * wf[c * 8 + d];
                        nn += (double) wf[c * 8 + d] * wf[c * 8 + d];
                    }
                    z[c] = 64 * dot / Math.sqrt(nn);
                }
                int y = (int) labels[i];
                z[y] = 64 * Math.cos(Math.acos(z[y] / 64) + 0.5);
                want += Ref64.crossEntropy(z, y) / 4;
            }
            // float32 cosines (relative 6e-8) scaled by s = 64 in a log-sum-exp over a million terms
            assertEquals(want, loss.item(), 1e-5 * want, "mean margin cross-entropy over a million classes");
            loss.backward();
            assertTrue(Double.isFinite(e.grad().abs().sum().item()));
            assertTrue(Double.isFinite(w.grad().abs().max().item()));
        }
    }

    /** The stage switch and the sample rate it sets; EplLossTest checks the stages' values. */
    @Test
    void curriculumSwitchesStage() {
        LVFaceCurriculum.Config cfg = new LVFaceCurriculum.Config(2, Margin.arcFace(64, 0.5), 0.3, 0.7, true,
                EmpiricalPrototypes.Rule.SOFTSIGN, false);
        LVFaceCurriculum cur = new LVFaceCurriculum(cfg, 50, 8, new Generator(7));
        Tensor e = Tensor.randn(gen, 6, 8);
        Tensor y = Tensor.of(new long[] {1, 2, 3, 4, 5, 6});
        assertEquals(LVFaceCurriculum.Stage.EARLY, cur.stage(1));
        cur.loss(e, y, 1);
        assertEquals(0.3, cur.fc().sampleRate());
        cur.loss(e, y, 2);
        assertEquals(1.0, cur.fc().sampleRate());
        assertEquals(LVFaceCurriculum.Stage.STABLE, cur.stage(2));
        assertTrue(cur.stateDict().containsKey("epl.prototypes") && cur.stateDict().containsKey("fc.weight"));
    }

    /** DINO's loss by hand: cross-entropy of sharpened, centred teacher probabilities against student log-probabilities. */
    private static double dinoByHand(double[][] student, double[][] teacher, double[] center, int views, int teacherViews, double tempS,
                                     double tempT) {
        int b = student.length / views;
        double total = 0;
        int pairs = 0;
        for (int t = 0; t < teacherViews; t++) {
            for (int v = 0; v < views; v++) {
                if (v == t) {
                    continue;
                }
                double term = 0;
                for (int i = 0; i < b; i++) {
                    double[] zt = teacher[t * b + i].clone();
                    double[] zs = student[v * b + i].clone();
                    for (int k = 0; k < zt.length; k++) {
                        zt[k] = (zt[k] - center[k]) / tempT;
                        zs[k] /= tempS;
                    }
                    double[] q = Ref64.softmax(zt);
                    double lse = Ref64.logSumExp(zs);
                    for (int k = 0; k < q.length; k++) {
                        term -= q[k] * (zs[k] - lse) / b;
                    }
                }
                total += term;
                pairs++;
            }
        }
        return total / pairs;
    }

    private static double[] centreStep(double[] center, double[][] teacher) {
        double[] out = new double[center.length];
        for (int k = 0; k < center.length; k++) {
            double mean = 0;
            for (double[] row : teacher) {
                mean += row[k] / teacher.length;
            }
            out[k] = 0.9 * center[k] + 0.1 * mean;
        }
        return out;
    }

    @Test
    void dinoLossTemperatureScheduleAndCenter() {
        DinoLoss d = DinoLoss.lafs(6);
        assertEquals(0.07, d.teacherTemperature(0), 1e-15);
        assertEquals(0.04, d.teacherTemperature(29), 1e-15);
        assertEquals(0.04, d.teacherTemperature(40), 1e-15);
        // DINO's np.linspace(0.07, 0.04, 30) at epochs 1, 15 and 28, printed by numpy
        assertEquals(0.06896551724137932, d.teacherTemperature(1), 1e-15);
        assertEquals(0.05448275862068966, d.teacherTemperature(15), 1e-15);
        assertEquals(0.04103448275862069, d.teacherTemperature(28), 1e-15);
        double[] center = new double[6];
        for (int epoch : new int[] {0, 29}) {
            Tensor student = Tensor.randn(gen, 20, 6);
            Tensor teacher = Tensor.randn(gen, 4, 6);
            double[][] t = Ref64.rows(teacher);
            double want = dinoByHand(Ref64.rows(student), t, center, 10, 2, 0.1, d.teacherTemperature(epoch));
            // float32 logits divided by temperatures down to 0.04
            assertEquals(want, d.loss(student, teacher, epoch).item(), 1e-5 * Math.max(1, want), "epoch " + epoch);
            center = centreStep(center, t);
            assertArrayEquals(center, d.center().toDoubleArray(), 1e-6, "center after epoch " + epoch);
        }
        assertThrows(IllegalArgumentException.class, () -> d.loss(Tensor.randn(gen, 7, 6), Tensor.randn(gen, 4, 6), 0));
    }

    @Test
    void queueWrapsAround() {
        QueueInfoNce q = new QueueInfoNce(10, 4, 0.1, true, new Generator(8));
        q.setState(Tensor.zeros(10, 4), 8);
        q.loss(Tensor.randn(gen, 4, 4), Tensor.ones(4, 4));
        assertEquals(2, q.pointer());
        float[] queue = q.queue().toFloatArray();
        for (int row : new int[] {8, 9, 0, 1}) {
            assertEquals(0.5f, queue[row * 4], 1e-6f, "row " + row + " holds a normalised teacher key");
        }
        assertEquals(0f, queue[2 * 4]);
    }

    @Test
    void gifLossIsTheWeightedSumOfTokenCrossEntropies() {
        GifTokenLoss gif = GifTokenLoss.linear(3, 5, 8, new Generator(9));
        Tensor e = Tensor.randn(gen, 4, 8);
        long[] codes = {0, 1, 2, 4, 4, 3, 1, 1, 0, 2, 0, 2};
        Tensor c = Tensor.of(codes, 4, 3);
        double[][] x = Ref64.rows(e);
        double[] perToken = new double[3];
        for (int j = 0; j < 3; j++) {
            double[][] w = Ref64.rows(gif.stateDict().get("heads." + j + ".weight"));
            double[] bias = gif.stateDict().get("heads." + j + ".bias").toDoubleArray();
            for (int i = 0; i < 4; i++) {
                double[] z = new double[5];
                for (int k = 0; k < 5; k++) {
                    z[k] = Ref64.dot(w[k], x[i]) + bias[k];
                }
                perToken[j] += Ref64.crossEntropy(z, (int) codes[i * 3 + j]) / 4;
            }
        }
        // float32 linear heads on O(1) inputs
        double tol = 1e-5;
        assertEquals((perToken[0] + perToken[1] + perToken[2]) / 3, gif.loss(e, c).item(), tol, "uniform weights 1/l");
        gif.setWeights(new double[] {0.5, 2, 0});
        assertEquals(0.5 * perToken[0] + 2 * perToken[1], gif.loss(e, c).item(), tol, "explicit weights");

        Margin cos = Margin.cosFace(16, 0.35);
        GifTokenLoss withMargin = GifTokenLoss.withMargin(2, 4, 8, cos, new Generator(10));
        Tensor c2 = Tensor.of(new long[] {0, 3, 2, 2, 1, 0, 3, 1}, 4, 2);
        double want = 0;
        for (int j = 0; j < 2; j++) {
            double[][] cs = Ref64.cosines(x, Ref64.rows(withMargin.stateDict().get("heads." + j + ".weight")));
            for (int i = 0; i < 4; i++) {
                int y = (int) c2.toLongArray()[i * 2 + j];
                double[] z = new double[4];
                for (int k = 0; k < 4; k++) {
                    z[k] = cos.s() * (cs[i][k] - (k == y ? cos.m3() : 0));
                }
                want += Ref64.crossEntropy(z, y) / 4 / 2;
            }
        }
        // float32 cosines scaled by s = 16
        assertEquals(want, withMargin.loss(e, c2).item(), 1e-4, "margin heads: CosFace logits per token");
    }
}
