package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

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
    void curricularFaceWithoutHardNegativesIsExactArcFace() {
        // embeddings on their class centres: theta_y = 0, so no negative exceeds cos(theta_y + m)
        Tensor w = F.l2Normalize(rnd(6, 16), 1, 1e-12);
        Tensor y = Tensor.of(new long[] {2, 0, 4});
        Tensor e = F.indexSelect(w, 0, y).mul(3);
        CurricularFace c = new CurricularFace(6, 16, 8, 0.4, new Generator(1));
        c.bind(Map.of("weight", w));
        double want = CombinedMarginHead.loss(e, y, w, Margin.of(8, 1, 0.4, 0, Margin.Gradient.EXACT)).item();
        assertEquals(want, c.loss(e, y).item(), 1e-9);
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
    void float32AtScale64WithAMillionClassesStaysFinite() {
        try (Scope s = Scope.open()) {
            Generator g = new Generator(4);
            Tensor w = Tensor.randn(g, 1_000_000, 8).detach().requiresGrad(true);
            Tensor e = Tensor.randn(g, 4, 8).detach().requiresGrad(true);
            Tensor loss = CombinedMarginHead.loss(e, Tensor.of(new long[] {0, 999_999, 500_000, 3}, 4), w, Margin.arcFace(64, 0.5));
            assertTrue(Double.isFinite(loss.item()) && loss.item() > 0, "loss " + loss.item());
            loss.backward();
            assertTrue(Double.isFinite(e.grad().abs().sum().item()));
            assertTrue(Double.isFinite(w.grad().abs().max().item()));
        }
    }

    @Test
    void prototypesStayUnitLengthAndDuplicatesApplyInOrder() {
        EmpiricalPrototypes p = new EmpiricalPrototypes(5, 4, EmpiricalPrototypes.Rule.SOFTSIGN, new Generator(6));
        Tensor e = rnd(6, 4).to(DType.F32);
        Tensor y = Tensor.of(new long[] {1, 3, 1, 1, 0, 3});
        p.update(e, y);
        double[] norms = p.prototypes().norm(2, new int[] {1}, false).toDoubleArray();
        for (int c : new int[] {0, 1, 3}) {
            assertEquals(1.0, norms[c], 1e-6, "updated prototype " + c);
        }
        EmpiricalPrototypes q = new EmpiricalPrototypes(5, 4, EmpiricalPrototypes.Rule.SOFTSIGN, new Generator(6));
        for (int i = 0; i < 6; i++) {
            q.update(e.narrow(0, i, 1), y.narrow(0, i, 1));
        }
        assertArrayEquals(q.prototypes().toFloatArray(), p.prototypes().toFloatArray(), 1e-6f, "one batch = the samples one by one");
    }

    @Test
    void curriculumSwitchesStage() {
        LVFaceCurriculum.Config cfg = new LVFaceCurriculum.Config(2, Margin.arcFace(64, 0.5), 0.3, 0.7, true,
                EmpiricalPrototypes.Rule.SOFTSIGN, false);
        LVFaceCurriculum cur = new LVFaceCurriculum(cfg, 50, 8, new Generator(7));
        Tensor e = Tensor.randn(gen, 6, 8);
        Tensor y = Tensor.of(new long[] {1, 2, 3, 4, 5, 6});
        assertEquals(LVFaceCurriculum.Stage.EARLY, cur.stage(1));
        double early = cur.loss(e, y, 1).item();
        assertEquals(0.3, cur.fc().sampleRate());
        double stable = cur.loss(e, y, 2).item();
        assertEquals(1.0, cur.fc().sampleRate());
        assertEquals(LVFaceCurriculum.Stage.STABLE, cur.stage(2));
        assertTrue(Double.isFinite(early) && Double.isFinite(stable));
        assertTrue(cur.stateDict().containsKey("epl.prototypes") && cur.stateDict().containsKey("fc.weight"));
    }

    @Test
    void dinoTemperatureScheduleAndCenter() {
        DinoLoss d = DinoLoss.lafs(6);
        assertEquals(0.07, d.teacherTemperature(0), 1e-15);
        assertEquals(0.04, d.teacherTemperature(29), 1e-15);
        assertEquals(0.04, d.teacherTemperature(40), 1e-15);
        // DINO's np.linspace(0.07, 0.04, 30) at epochs 1, 15 and 28, printed by numpy
        assertEquals(0.06896551724137932, d.teacherTemperature(1), 1e-15);
        assertEquals(0.05448275862068966, d.teacherTemperature(15), 1e-15);
        assertEquals(0.04103448275862069, d.teacherTemperature(28), 1e-15);
        Tensor student = Tensor.randn(gen, 20, 6);
        Tensor teacher = Tensor.randn(gen, 4, 6);
        double l = d.loss(student, teacher, 0).item();
        assertTrue(l > 0);
        assertArrayEquals(teacher.mean(0, true).mul(0.1).toFloatArray(), d.center().toFloatArray(), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> d.loss(Tensor.randn(gen, 7, 6), teacher, 0));
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
    void gifLossIsTheMeanOfTokenCrossEntropies() {
        GifTokenLoss gif = GifTokenLoss.linear(3, 5, 8, new Generator(9));
        Tensor e = Tensor.randn(gen, 4, 8);
        Tensor codes = Tensor.of(new long[] {0, 1, 2, 4, 4, 3, 1, 1, 0, 2, 0, 2}, 4, 3);
        double total = gif.loss(e, codes).item();
        gif.setWeights(new double[] {1, 0, 0});
        double first = gif.loss(e, codes).item();
        gif.setWeights(new double[] {0, 1, 0});
        double second = gif.loss(e, codes).item();
        gif.setWeights(new double[] {0, 0, 1});
        double third = gif.loss(e, codes).item();
        assertEquals((first + second + third) / 3, total, 1e-6);
    }

    @Test
    void adaFaceTrainsAndTracksNormStatistics() {
        AdaFace ada = new AdaFace(10, 6, 64, 0.4, 0.333, 0.01, new Generator(10));
        Tensor e = Tensor.randn(gen, 8, 6).mul(20).detach().requiresGrad(true);
        Tensor l = ada.loss(e, Tensor.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7}));
        l.backward();
        assertTrue(Double.isFinite(l.item()) && e.grad().abs().sum().item() > 0);
        assertTrue(ada.stateDict().get("batch_mean").item() > 20, "the running norm mean moved towards the batch's (about 49)");
    }
}
