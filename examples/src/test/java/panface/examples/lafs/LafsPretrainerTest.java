package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.train.SyntheticIdentities;

import panface.nn.data.Batch;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The pretraining step on a tiny configuration: the last layer stays frozen through the first
 * epoch and moves after it, the rest of the student moves, the teacher follows the student by
 * the EMA formula, and the DINO centre is updated; k steps + save + resume + m steps give the
 * same bits as k + m steps.
 */
class LafsPretrainerTest {

    @Test
    void stepFreezesTheLastLayerInTheFirstEpochAndMovesTheTeacherByEma() {
        Generator gen = new Generator(5);
        int[][] table = {{3, 16, 16, 0, 0, 1}, {3, 24, 16, 1, 1, 2}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 16, 31, gen);
        PartFViT.Config cfg = new PartFViT.Config(16, 8, 24, 1, 2, 8, 32, 0.1, 0.1, 0.1, false);
        LafsPretrainer.Options opt = new LafsPretrainer.Options(20, 32, 16, 5, 4, 1e-3, 1e-6, 0, 2, 0.04, 0.4, 3.0, 1, 0.996,
                LafsPretrainer.TeacherMode.DETERMINISTIC, 9);
        // no warm-up: DINO's warm-up starts at a learning rate of 0, which would leave the first step without effect
        try (LafsPretrainer run = new LafsPretrainer(opt, lcnn, cfg, 4, 2)) {
            check(run);
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
        Map<String, double[]> straight = pretrain(4, null);
        Path ckpt = dir.resolve("pre.safetensors");
        pretrain(2, ckpt);
        Map<String, double[]> resumed = pretrain(4, ckpt);
        assertEquals(straight.keySet(), resumed.keySet());
        straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0, k));
        assertFalse(Arrays.equals(pretrain(2, null).get("teacher.patch_to_embedding.weight"), straight.get("teacher.patch_to_embedding.weight")),
                "two more steps move the teacher");
    }

    /** Pretrains (stochastic teacher, so dropout streams matter) to step `until`, resuming from ckpt when it exists and saving there. */
    private static Map<String, double[]> pretrain(int until, Path ckpt) throws IOException {
        Generator gen = new Generator(5);
        int[][] table = {{3, 16, 16, 0, 0, 1}, {3, 24, 16, 1, 1, 2}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 16, 31, gen);
        PartFViT.Config cfg = new PartFViT.Config(16, 8, 24, 1, 2, 8, 32, 0.1, 0.1, 0.1, false);
        LafsPretrainer.Options opt = new LafsPretrainer.Options(20, 32, 16, 5, 4, 1e-3, 1e-6, 0, 3, 0.04, 0.4, 3.0, 1, 0.996,
                LafsPretrainer.TeacherMode.STOCHASTIC, 9);
        LafsViews views = new LafsViews(32, 2, 3);
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 2, 3);
                LafsPretrainer run = new LafsPretrainer(opt, lcnn, cfg, 4, data.batchesPerEpoch())) {
            if (ckpt != null && ckpt.toFile().exists()) {
                LafsLoops.resume(run, data, ckpt);
            }
            LafsLoops.pretrain(run, views, data, until, new LafsLoops.Saving(ckpt, 0, 100, new PrintStream(PrintStream.nullOutputStream())));
            Map<String, double[]> m = new LinkedHashMap<>();
            run.student().stateDict().forEach((k, v) -> m.put("student." + k, v.toDoubleArray()));
            run.teacher().stateDict().forEach((k, v) -> m.put("teacher." + k, v.toDoubleArray()));
            run.studentHead().stateDict().forEach((k, v) -> m.put("student_head." + k, v.toDoubleArray()));
            m.put("center", run.loss().center().toDoubleArray());
            return m;
        }
    }

    @Test
    void accumulatedMicroBatchesMakeTheStepOfTheWholeBatch() {
        // a deterministic teacher and no dropout: nothing depends on how the batch is split
        PartFViT.Config cfg = new PartFViT.Config(16, 8, 24, 1, 2, 8, 32, 0, 0, 0, false);
        List<Tensor> tokens = tokens(4);
        try (Scope s = Scope.open()) {
            Map<String, double[]> whole = accumulated(cfg, List.of(tokens));
            Map<String, double[]> parts = accumulated(cfg, List.of(narrow(tokens, 0, 1), narrow(tokens, 1, 3)));
            Map<String, double[]> first = accumulated(cfg, List.of(narrow(tokens, 0, 2)));
            int moments = 0;
            for (Map.Entry<String, double[]> e : whole.entrySet()) {
                double[] w = e.getValue();
                double scale = Arrays.stream(w).map(Math::abs).max().orElse(0);
                double diff = maxDiff(w, parts.get(e.getKey()));
                // float32 sums in another order: about 1e-6 of the largest value; 1e-4 leaves room
                assertTrue(diff <= 1e-4 * scale + 1e-30, e.getKey() + ": " + diff + " against " + scale);
                if (e.getKey().startsWith("optim.") && scale > 0) {
                    moments++;
                }
            }
            assertTrue(moments > 10, "the optimizer's moments (the gradients) are compared");
            assertTrue(maxDiff(whole.get("center"), first.get("center")) > 1e-6, "half the batch moves the centre elsewhere");
        }
    }

    @Test
    void autocastRunsTheNetworksInBf16AndKeepsFloat32Weights() {
        PartFViT.Config cfg = new PartFViT.Config(16, 8, 24, 1, 2, 8, 32, 0, 0, 0, false);
        List<Tensor> tokens = tokens(4);
        try (Scope s = Scope.open()) {
            double[] plain = autocastStep(cfg, tokens, false);
            double[] bf16 = autocastStep(cfg, tokens, true);
            // the loss through bf16 products: within a few bf16 roundings (2^-8 relative) of float32, and not equal to it
            assertEquals(plain[0], bf16[0], 0.03 * Math.abs(plain[0]));
            assertTrue(plain[0] != bf16[0], "autocast must change the products' rounding");
            assertEquals(1.0, bf16[1], "the student's weights stay float32");
        }
    }

    /** One step's loss and whether the student's weights are float32 afterwards (1 or 0). */
    private static double[] autocastStep(PartFViT.Config cfg, List<Tensor> tokens, boolean autocast) {
        try (LafsPretrainer run = deterministicRun(cfg, autocast)) {
            double loss = run.stepTokens(tokens);
            boolean f32 = run.student().parameters().stream().allMatch(p -> p.data().dtype() == DType.F32);
            return new double[] {loss, f32 ? 1 : 0};
        }
    }

    /** Patch tokens of b images: two global views of 16 patches, two local views of 4, fixed values. */
    private static List<Tensor> tokens(int b) {
        List<Tensor> tokens = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int n = k < 2 ? 16 : 4;
            float[] v = new float[b * n * 192];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.sin(i * 0.37 + k * 1.3 + i % 7 * 0.11);
            }
            tokens.add(Tensor.of(v, b, n, 192));
        }
        return tokens;
    }

    /** A fresh run with a deterministic teacher, no warm-up and no frozen last layer: every parameter moves in the first step. */
    private static LafsPretrainer deterministicRun(PartFViT.Config cfg, boolean autocast) {
        Generator gen = new Generator(5);
        int[][] table = {{3, 16, 16, 0, 0, 1}, {3, 24, 16, 1, 1, 2}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 16, 31, gen);
        LafsPretrainer.Options opt = new LafsPretrainer.Options(20, 32, 16, 5, 4, 1e-3, 1e-6, 0, 2, 0.04, 0.4, 3.0, 0, 0.9,
                LafsPretrainer.TeacherMode.DETERMINISTIC, 9);
        return new LafsPretrainer(opt, LafsPretrainer.Temperatures.LAFS, lcnn, cfg, 4, 2, Device.CPU, autocast);
    }

    private static List<Tensor> narrow(List<Tensor> tokens, int from, int length) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tokens) {
            out.add(t.narrow(0, from, length));
        }
        return out;
    }

    /** Everything one step of a fresh run on the given micro-batches' tokens changes. */
    private static Map<String, double[]> accumulated(PartFViT.Config cfg, List<List<Tensor>> micro) {
        try (LafsPretrainer run = deterministicRun(cfg, false)) {
            assertTrue(Double.isFinite(run.stepMicro(micro)));
            Map<String, double[]> m = new LinkedHashMap<>();
            run.student().stateDict().forEach((k, v) -> m.put("student." + k, v.toDoubleArray()));
            run.teacher().stateDict().forEach((k, v) -> m.put("teacher." + k, v.toDoubleArray()));
            run.studentHead().stateDict().forEach((k, v) -> m.put("student_head." + k, v.toDoubleArray()));
            run.optimizer().stateTensors().forEach((k, v) -> m.put("optim." + k, v.toDoubleArray()));
            m.put("center", run.loss().center().toDoubleArray());
            return m;
        }
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static void check(LafsPretrainer run) {
        LafsViews views = new LafsViews(32, 2, 3);
        float[] px = new float[2 * 3 * 40 * 40];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.37) * 0.9f;
        }
        Batch batch = new Batch(px, new long[] {0, 1}, 40, 40);

        double[] v0 = run.studentHead().lastLayerV().data().toDoubleArray();
        double[] w0 = run.student().stateDict().get("patch_to_embedding.weight").toDoubleArray();
        double[] t0 = run.teacher().stateDict().get("patch_to_embedding.weight").toDoubleArray();
        double[] c0 = run.loss().center().toDoubleArray();
        double l = run.step(views.make(batch, 0));
        assertTrue(Double.isFinite(l) && l > 0);
        assertArrayEquals(v0, run.studentHead().lastLayerV().data().toDoubleArray(), 0, "last layer frozen in epoch 0");
        double[] w1 = run.student().stateDict().get("patch_to_embedding.weight").toDoubleArray();
        assertFalse(java.util.Arrays.equals(w0, w1), "the backbone is trained");
        double[] t1 = run.teacher().stateDict().get("patch_to_embedding.weight").toDoubleArray();
        for (int i = 0; i < t1.length; i++) {
            // momentum at iteration 0 is its start, 0.996; float32 parameters
            assertEquals(0.996 * t0[i] + 0.004 * w1[i], t1[i], 1e-6 * (1 + Math.abs(t0[i])));
        }
        assertFalse(java.util.Arrays.equals(c0, run.loss().center().toDoubleArray()), "the centre moves");

        run.step(views.make(batch, 1));
        assertArrayEquals(v0, run.studentHead().lastLayerV().data().toDoubleArray(), 0, "still epoch 0");
        run.step(views.make(batch, 2));
        assertFalse(java.util.Arrays.equals(v0, run.studentHead().lastLayerV().data().toDoubleArray()), "epoch 1 trains the last layer");
    }
}
