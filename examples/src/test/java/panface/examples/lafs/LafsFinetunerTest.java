package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.train.SyntheticIdentities;
import panface.nn.data.Batch;
import panface.nn.data.Mixup;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * LAFS fine-tuning on a tiny model: the layer-wise learning-rate decay reaches the updates (each
 * group moves by its own scaled rate, checked against AdamW's first step written out by hand),
 * the landmark CNN trains while its frozen copy stays put, and k steps + save + resume + m steps
 * give the same bits as k + m steps.
 */
class LafsFinetunerTest {
    private static final int[][] TRUNK = {{3, 16, 16, 0, 0, 2}, {3, 24, 16, 1, 1, 2}};
    /** 49 landmark patches of 16 on 112-pixel faces; width 24, depth 2. */
    private static final PartFViT.Config CFG = new PartFViT.Config(49, 16, 24, 2, 2, 8, 32, 0.1, 0.1, 0.1, true);
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    private static LandmarkCnn lcnn(Generator g) {
        return new LandmarkCnn(new MobileNetV3Features(TRUNK, g), 49, 111, g);
    }

    private static LafsFinetuner.Options options(double layerDecay, LafsFinetuner.Regularizer reg) {
        return options(layerDecay, reg, null);
    }

    private static LafsFinetuner.Options options(double layerDecay, LafsFinetuner.Regularizer reg, Mixup mixup) {
        // no warm-up: its first learning rate would be 0
        return new LafsFinetuner.Options(1e-3, 1e-6, 0, 3, layerDecay, 0.1, 0.05, 64, 0.4, reg, 0.1, mixup, 4);
    }

    @Test
    void mixupWithoutMixingOrSmoothingIsTheHardLabelStepAndMixingChangesIt() {
        PartFViT.Config still = new PartFViT.Config(49, 16, 24, 2, 2, 8, 32, 0, 0, 0, true);
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3)) {
            Batch b = data.next();
            Map<String, double[]> hard = stepWith(still, null, b);
            Map<String, double[]> soft = stepWith(still, new Mixup(0.2, 0, 0), b);
            Map<String, double[]> mixed = stepWith(still, new Mixup(0.2, 1, 0), b);
            double scale = Arrays.stream(hard.get("head.weight")).map(Math::abs).max().orElse(0);
            // one-hot soft targets give the CosFace head's loss in another float32 order: rounding only
            assertTrue(maxDiff(hard.get("head.weight"), soft.get("head.weight")) <= 1e-5 * scale);
            assertTrue(maxDiff(hard.get("head.weight"), mixed.get("head.weight")) > 1e-6 * scale, "a mixed batch gives another step");
        }
    }

    @Test
    void autocastRunsTheStepInBf16WithFloat32Weights() {
        PartFViT.Config still = new PartFViT.Config(49, 16, 24, 2, 2, 8, 32, 0, 0, 0, true);
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3)) {
            Batch b = data.next();
            double[] losses = new double[2];
            for (int a = 0; a < 2; a++) {
                try (LafsFinetuner t = steadyTrainer(still, null, a == 1)) {
                    losses[a] = t.step(b.imagesTensor(), b.labelsTensor()).identityLoss();
                    assertTrue(t.model().parameters().stream().allMatch(p -> p.data().dtype() == panface.tensor.DType.F32));
                }
            }
            // CosFace at s = 64 through bf16 products: a few bf16 roundings (2^-8) of the logits, not more
            assertEquals(losses[0], losses[1], 0.05 * Math.abs(losses[0]));
            assertTrue(losses[0] != losses[1], "autocast must change the products' rounding");
        }
    }

    private static Map<String, double[]> stepWith(PartFViT.Config cfg, Mixup mixup, Batch b) {
        try (LafsFinetuner t = steadyTrainer(cfg, mixup, false)) {
            assertTrue(Double.isFinite(t.step(b.imagesTensor(), b.labelsTensor()).loss()));
            return snapshot(t);
        }
    }

    @Test
    void layerDecayScalesEachGroupsUpdate() {
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3);
                LafsFinetuner t = new LafsFinetuner(options(0.58, LafsFinetuner.Regularizer.PAPER), CFG, LafsFinetunerTest::lcnn, 4, 2,
                        Device.CPU)) {
            Map<String, double[]> before = snapshot(t);
            Batch b = data.next();
            t.step(b.imagesTensor(), b.labelsTensor());
            Map<String, double[]> after = snapshot(t);
            // key -> (layer id, weight decay); depth 2: scale 0.58^(3 - id)
            Object[][] cases = {
                {"stn.features.1.conv.0.weight", 0, 0.05}, {"patch_to_embedding.weight", 0, 0.1}, {"pos_embedding", 0, 0.1},
                {"transformer.layers.0.0.fn.fn.to_qkv.weight", 1, 0.1}, {"transformer.layers.1.1.fn.fn.net.0.weight", 2, 0.1},
                {"transformer.layers.1.1.fn.fn.net.0.bias", 2, 0.0}, {"mlp_head.0.weight", 3, 0.0}, {"head.weight", 3, 0.1},
            };
            for (Object[] c : cases) {
                String key = (String) c[0];
                double lr = 1e-3 * Math.pow(0.58, 3 - (int) c[1]);
                double wd = (double) c[2];
                double[] w0 = before.get(key);
                double[] w1 = after.get(key);
                // AdamW's first step: w1 = w0 - lr * wd * w0 - lr * g / (|g| + eps), so |w0 - lr wd w0 - w1| / lr is 1 where g is not tiny
                double[] r = new double[w0.length];
                for (int i = 0; i < w0.length; i++) {
                    r[i] = Math.abs(w0[i] * (1 - lr * wd) - w1[i]) / lr;
                }
                Arrays.sort(r);
                // the median ignores entries whose gradient is near eps; float32 weights near 1 resolve the step to ~1e-4 of lr
                assertEquals(1.0, r[r.length / 2], 2e-2, key);
            }
        }
    }

    @Test
    void theLandmarkCnnTrainsAndItsFrozenCopyStays() {
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3);
                LafsFinetuner t = new LafsFinetuner(options(0.58, LafsFinetuner.Regularizer.CODE), CFG, LafsFinetunerTest::lcnn, 4, 2,
                        Device.CPU)) {
            double[] frozen0 = t.frozenLandmarks().stateDict().get("output_layer.1.weight").toDoubleArray();
            double[] live0 = t.model().stateDict().get("output_layer.1.weight").toDoubleArray();
            assertArrayEquals(frozen0, live0, 0, "the frozen copy starts as the trainable one");
            Batch b = data.next();
            LafsFinetuner.StepResult r = t.step(b.imagesTensor(), b.labelsTensor());
            assertEquals(1000, r.beta(), 0, "the code's schedule at epoch 0");
            assertEquals(r.identityLoss() + r.landmarkLoss(), r.loss(), 1e-4 * r.loss());
            assertArrayEquals(frozen0, t.frozenLandmarks().stateDict().get("output_layer.1.weight").toDoubleArray(), 0);
            assertFalse(Arrays.equals(live0, t.model().stateDict().get("output_layer.1.weight").toDoubleArray()));
            assertTrue(r.landmarkLoss() > 0, "the trainable CNN runs in training mode (dropout, batch statistics), its copy does not");
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
        Map<String, double[]> straight = run(4, null, dir);
        Path ckpt = dir.resolve("ft.safetensors");
        run(2, ckpt, dir);
        Map<String, double[]> resumed = run(4, ckpt, dir);
        assertEquals(straight.keySet(), resumed.keySet());
        straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0, k));
        Map<String, double[]> fresh = run(2, null, dir);
        assertFalse(Arrays.equals(fresh.get("head.weight"), straight.get("head.weight")), "two more steps change the head");
    }

    @Test
    void accumulatedMicroBatchesMakeTheStepOfTheWholeBatch() {
        // no dropout anywhere and the landmark CNN's batch normalisation on its running statistics: then nothing
        // depends on how the batch is split, and accumulation must reproduce the whole batch's gradients
        PartFViT.Config still = new PartFViT.Config(49, 16, 24, 2, 2, 8, 32, 0, 0, 0, true);
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3)) {
            Batch b = data.next();
            Tensor x = b.imagesTensor();
            Tensor y = b.labelsTensor();
            Map<String, double[]> whole = accumulated(still, List.of(x), List.of(y));
            Map<String, double[]> parts = accumulated(still, List.of(x.narrow(0, 0, 1), x.narrow(0, 1, 3)),
                    List.of(y.narrow(0, 0, 1), y.narrow(0, 1, 3)));
            Map<String, double[]> half = accumulated(still, List.of(x.narrow(0, 0, 2)), List.of(y.narrow(0, 0, 2)));
            int compared = 0;
            for (Map.Entry<String, double[]> e : whole.entrySet()) {
                double[] w = e.getValue();
                double scale = Arrays.stream(w).map(Math::abs).max().orElse(0);
                double diff = maxDiff(w, parts.get(e.getKey()));
                // float32 sums in another order: about 1e-6 of the largest value; 1e-4 leaves room
                assertTrue(diff <= 1e-4 * scale + 1e-30, e.getKey() + ": " + diff + " against " + scale);
                if (e.getKey().startsWith("optim.") && scale > 0) {
                    compared++;
                }
            }
            assertTrue(compared > 10, "the optimizer's moments (the gradients) are compared");
            double control = maxDiff(whole.get("head.weight"), half.get("head.weight"));
            assertTrue(control > 1e-6, "half the batch gives another step: " + control);
        }
    }

    /** The state after one step of a fresh trainer on the given micro-batches (the landmark CNN in evaluation mode). */
    private static Map<String, double[]> accumulated(PartFViT.Config cfg, List<Tensor> images, List<Tensor> labels) {
        try (LafsFinetuner t = steadyTrainer(cfg, null, false)) {
            LafsFinetuner.StepResult r = t.step(images, labels);
            assertTrue(Double.isFinite(r.loss()));
            return snapshot(t);
        }
    }

    /** A fresh trainer (layer decay 0.58, the paper's regulariser) whose landmark CNN runs on its running statistics. */
    private static LafsFinetuner steadyTrainer(PartFViT.Config cfg, Mixup mixup, boolean autocast) {
        LafsFinetuner t = new LafsFinetuner(options(0.58, LafsFinetuner.Regularizer.PAPER, mixup), cfg, LafsFinetunerTest::lcnn, 4, 2,
                Device.CPU, autocast);
        t.model().landmarkCnn().eval();
        return t;
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Runs to step `until`, resuming from ckpt when it exists and saving there after (when given). */
    private static Map<String, double[]> run(int until, Path ckpt, Path dir) throws IOException {
        try (Scope s = Scope.open(); SyntheticIdentities data = new SyntheticIdentities(4, 2, 4, 3);
                LafsFinetuner t = new LafsFinetuner(options(0.58, LafsFinetuner.Regularizer.PAPER, new Mixup(0.2, 0.5, 0.1)), CFG,
                        LafsFinetunerTest::lcnn, 4, 2, Device.CPU)) {
            if (ckpt != null && ckpt.toFile().exists()) {
                LafsLoops.resume(t, data, ckpt);
            }
            LafsLoops.finetune(t, data, until, new LafsLoops.Saving(ckpt, 0, 100, QUIET));
            return snapshot(t);
        }
    }

    private static Map<String, double[]> snapshot(LafsFinetuner t) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : t.model().stateDict().entrySet()) {
            m.put(e.getKey(), e.getValue().toDoubleArray());
        }
        m.put("head.weight", t.head().weight().data().toDoubleArray());
        t.optimizer().stateTensors().forEach((k, v) -> m.put("optim." + k, v.toDoubleArray()));
        return m;
    }
}
