package panface.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.faceloss.LVFaceCurriculum.Stage;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.io.Checkpoint;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * The recipe's trainer: the stage switch (Partial FC sampling, then the full softmax with EPL's
 * prototype term), the divergence guard, and a resumed run equal to an uninterrupted one across
 * the switch (the CPU kernels' default, reproducible mode).
 */
class RecipeTrainerTest {
    /** 10 identities x 4 images in batches of 8 (5 per epoch); a one-block ViT on 4x4 patches of 28 pixels. */
    private static final Map<String, Object> TINY = Map.of("identities", 10, "images_per_identity", 4, "batch", 8, "dim", 16, "depth", 1,
            "patch", 28, "embedding", 16, "steps", 6, "switch_at", 0.5);
    @TempDir
    Path dir;

    private static LVFaceRecipe tiny() {
        return LVFaceRecipe.parse(TINY, Map.of());
    }

    private static SyntheticIdentities data(LVFaceRecipe r) {
        return new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed());
    }

    private static TrainLoop loop(int until, Path save, int saveEvery) {
        return new TrainLoop(until, save, saveEvery, 1, 0, List.of(), false, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
    }

    @Test
    void theStableStageUsesTheFullSoftmaxAndTheEplPrototypeTerm(@TempDir Path tmp) throws Exception {
        LVFaceRecipe r = tiny();
        Path before = tmp.resolve("before-switch.safetensors");
        double k = r.eplK();
        double s = r.scale();
        double m = r.margin();
        try (Scope run = Scope.open(); SyntheticIdentities data = data(r)) {
            RecipeTrainer t = new RecipeTrainer(r, data, Device.CPU, false);
            assertEquals(3, t.switchStep(), "switch_at 0.5 of 6 steps");
            for (int i = 0; i < 3; i++) {
                RecipeTrainer.StepResult res = t.trainStep();
                assertEquals(Stage.EARLY, res.stage());
                assertEquals(0.3, res.sampleRate(), "Partial FC samples 0.3 of the centres in the early stage");
            }
            t.save(before);
            RecipeTrainer.StepResult switched = t.trainStep();
            assertEquals(Stage.STABLE, switched.stage());
            assertEquals(1.0, switched.sampleRate(), "no sampling from the switch");
            double[] prototypes = t.head().prototypes().prototypes().to(DType.F64).toDoubleArray();

            // the same step recomputed in float64 from the state before it: the embeddings of the
            // batch at the switch, the centres W and the prototypes the step updated
            try (Scope twin = Scope.open(); SyntheticIdentities again = data(r)) {
                RecipeTrainer u = new RecipeTrainer(r, again, Device.CPU, false);
                u.resume(before);
                again.seek(3);
                Batch b = again.next();
                double[] e;
                try (var off = GradMode.noGrad()) {
                    e = u.model().forward(b.imagesTensor()).to(DType.F64).toDoubleArray();
                }
                double[] w = u.head().fc().weight().data().to(DType.F64).toDoubleArray();
                int d = r.embedding();
                int c = r.identities();
                double ceW = 0;
                double ceP = 0;
                for (int i = 0; i < b.size(); i++) {
                    int y = (int) b.labels()[i];
                    double[] x = unit(e, i, d);
                    double[] zw = new double[c];
                    double[] zp = new double[c];
                    for (int j = 0; j < c; j++) {
                        double cw = Math.max(-1, Math.min(1, dot(x, unit(w, j, d))));
                        zw[j] = s * (j == y ? Math.cos(Math.acos(cw) + m) : cw);
                        double cp = dot(x, unit(prototypes, j, d));
                        zp[j] = s * (j == y ? (1 - k) * cp : cp);
                    }
                    ceW += crossEntropy(zw, y) / b.size();
                    ceP += crossEntropy(zp, y) / b.size();
                }
                double want = 0.5 * (ceW + ceP);
                // float32 cosines scaled by s = 64 against float64: a few units in the 5th digit
                assertEquals(want, switched.loss(), 1e-4 * want, "(CE(z^W) + CE(z^P)) / 2 at the switch; CE(z^W) alone is " + ceW);
            }
        }
    }

    private static double[] unit(double[] rows, int i, int d) {
        double n = 0;
        for (int k = 0; k < d; k++) {
            n += rows[i * d + k] * rows[i * d + k];
        }
        double[] u = new double[d];
        for (int k = 0; k < d; k++) {
            u[k] = rows[i * d + k] / Math.sqrt(n);
        }
        return u;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double crossEntropy(double[] z, int y) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum) - z[y];
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOneAcrossTheSwitch() throws Exception {
        LVFaceRecipe r = tiny();
        Path straight = dir.resolve("straight.safetensors");
        try (Scope run = Scope.open(); SyntheticIdentities data = data(r)) {
            loop(6, straight, 0).run(new RecipeTrainer(r, data, Device.CPU, false));
        }
        byte[] expected = Files.readAllBytes(straight);
        // stopped in the early stage, at the switch, and in the stable stage
        for (int k : new int[] {2, 3, 4}) {
            Path resumed = dir.resolve("resumed" + k + ".safetensors");
            try (Scope run = Scope.open(); SyntheticIdentities data = data(r)) {
                loop(k, resumed, 0).run(new RecipeTrainer(r, data, Device.CPU, false));
            }
            try (Scope run = Scope.open(); SyntheticIdentities data = data(r)) {
                RecipeTrainer t = new RecipeTrainer(r, data, Device.CPU, false);
                t.resume(resumed);
                assertEquals(k, t.step());
                assertEquals(k, data.position(), "the data continues where it stopped");
                loop(6, resumed, 0).run(t);
            }
            assertArrayEquals(expected, Files.readAllBytes(resumed), "stopped after step " + k + " of 6 and resumed");
        }
    }

    @Test
    void aDivergingRunStopsBeforeTheOptimizerStepAndKeepsTheLastGoodCheckpoint() throws Exception {
        LVFaceRecipe r = tiny();
        Path ckpt = dir.resolve("run.safetensors");
        try (Scope run = Scope.open(); SyntheticIdentities inner = data(r); BatchSource data = new Poisoned(inner, 2)) {
            RecipeTrainer t = new RecipeTrainer(r, data, Device.CPU, false);
            RecipeTrainer.Diverged e = assertThrows(RecipeTrainer.Diverged.class, () -> loop(6, ckpt, 2).run(t));
            assertTrue(e.getMessage().contains("training diverged at step 3: the loss is NaN"), e.getMessage());
            assertTrue(e.getMessage().contains("the last good checkpoint (step 2) is kept in " + ckpt), e.getMessage());
            assertEquals(2, t.step());
            try (Scope s = Scope.open()) {
                Checkpoint.State st = Checkpoint.load(ckpt);
                assertEquals(2, st.step());
                // the weights were not updated by the bad step: they still equal the checkpoint's
                Tensor saved = st.modules().get("model").get("patch_embed.proj.weight");
                assertArrayEquals(saved.toFloatArray(), t.model().stateDict().get("patch_embed.proj.weight").toFloatArray());
            }
            // the bad batch reached the prototypes; the checkpoint is not overwritten with them
            long before = Files.getLastModifiedTime(ckpt).toMillis();
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> t.save(ckpt));
            assertTrue(refused.getMessage().contains("non-finite values in"), refused.getMessage());
            assertEquals(before, Files.getLastModifiedTime(ckpt).toMillis());
        }
    }

    /** A source whose batch at one position has a NaN pixel. */
    private static final class Poisoned implements BatchSource {
        private final SyntheticIdentities inner;
        private final long bad;

        Poisoned(SyntheticIdentities inner, long bad) {
            this.inner = inner;
            this.bad = bad;
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public long batchesPerEpoch() {
            return inner.batchesPerEpoch();
        }

        @Override
        public Batch next() {
            long p = inner.position();
            Batch b = inner.next();
            if (p != bad) {
                return b;
            }
            float[] images = b.images().clone();
            images[0] = Float.NaN;
            return new Batch(images, b.labels(), b.height(), b.width());
        }

        @Override
        public long position() {
            return inner.position();
        }

        @Override
        public void seek(long position) {
            inner.seek(position);
        }

        @Override
        public void close() {
        }
    }
}
