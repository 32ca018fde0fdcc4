package panface.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.Module;
import panface.nn.ParameterSlab;
import panface.nn.layers.BatchNorm;
import panface.nn.layers.Linear;
import panface.nn.layers.Sequential;
import panface.nn.optim.AdamW;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.Optimizer;
import panface.nn.optim.ParamGroup;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Saving and resuming the whole training state reproduces an uninterrupted run bit for bit. */
class CheckpointTest {
    @TempDir
    Path dir;

    private static Sequential model() {
        Generator g = new Generator(3);
        return new Sequential().add(new Linear(8, 16, true, g)).add(new BatchNorm(16)).addFunction(F::relu).add(new Linear(16, 4, true, g));
    }

    private static void train(Sequential m, Optimizer opt, Generator data, LrSchedule lr, long from, long to) {
        train(m, opt, data, lr, from, to, 0);
    }

    /** Trains; before frozenUntil the last layer's gradients are dropped (DINO's cancel_gradients_last_layer). */
    private static void train(Sequential m, Optimizer opt, Generator data, LrSchedule lr, long from, long to, long frozenUntil) {
        for (long step = from; step < to; step++) {
            try (Scope s = Scope.open()) {
                opt.setLearningRate(lr.lr(step));
                Tensor x = Tensor.randn(data, 32, 8);
                long[] y = new long[32];
                for (int i = 0; i < 32; i++) {
                    y[i] = data.nextInt(4);
                }
                F.crossEntropy(m.forward(x), Tensor.of(y, 32)).backward();
                if (step < frozenUntil) {
                    m.namedParameters().forEach((k, p) -> {
                        if (k.startsWith("3.")) {
                            p.data().setGrad(null);
                        }
                    });
                }
                opt.step();
                opt.zeroGrad();
            }
        }
    }

    private static Optimizer optimizer(Module m) {
        return new AdamW(List.of(ParamGroup.of(m.parameters(), 0.05)), 0.01);
    }

    @Test
    void resumeIsBitForBit() throws IOException {
        LrSchedule lr = LrSchedule.polynomialWarmup(0.01, 5, 40, 1.0);
        try (Scope run = Scope.open()) {
            Sequential straight = model();
            ParameterSlab.pack(straight);
            Optimizer o1 = optimizer(straight);
            Generator d1 = new Generator(99);
            train(straight, o1, d1, lr, 0, 40);

            Sequential first = model();
            ParameterSlab.pack(first);
            Optimizer o2 = optimizer(first);
            Generator d2 = new Generator(99);
            train(first, o2, d2, lr, 0, 20);
            Path ckpt = dir.resolve("ckpt.safetensors");
            Checkpoint.save(ckpt, first, o2, d2, 20, Map.of("recipe", "test"));

            Sequential resumed = model();
            ParameterSlab.pack(resumed);
            Optimizer o3 = optimizer(resumed);
            Generator d3 = new Generator(99);
            Checkpoint.State st = Checkpoint.load(ckpt);
            assertEquals(20, st.step());
            assertEquals("test", st.metadata().get("recipe"));
            Checkpoint.restore(st, resumed, o3, d3);
            train(resumed, o3, d3, lr, st.step(), 40);

            Map<String, Tensor> a = straight.stateDict();
            Map<String, Tensor> b = resumed.stateDict();
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 0.0, k);
            }
        }
    }

    /** A layer that started late resumes with its own update count, not the optimizer's step. */
    @Test
    void resumeKeepsTheUpdateCountOfALateLayer() throws IOException {
        LrSchedule lr = step -> 0.01;
        try (Scope run = Scope.open()) {
            Sequential straight = model();
            Optimizer o1 = optimizer(straight);
            train(straight, o1, new Generator(99), lr, 0, 30, 12);

            Sequential first = model();
            Optimizer o2 = optimizer(first);
            Generator d2 = new Generator(99);
            train(first, o2, d2, lr, 0, 20, 12);
            Path ckpt = dir.resolve("late.safetensors");
            Checkpoint.save(ckpt, first, o2, d2, 20, null);

            Sequential resumed = model();
            Optimizer o3 = optimizer(resumed);
            Generator d3 = new Generator(99);
            Checkpoint.State st = Checkpoint.load(ckpt);
            Checkpoint.restore(st, resumed, o3, d3);
            int last = resumed.parameters().size() - 1;
            assertEquals(20, o3.parameterSteps(0));
            assertEquals(8, o3.parameterSteps(last), "the last layer was updated from step 12 on");
            train(resumed, o3, d3, lr, st.step(), 30, 12);

            Map<String, Tensor> a = straight.stateDict();
            Map<String, Tensor> b = resumed.stateDict();
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), 0.0, k);
            }
        }
    }

    @Test
    void aFailedWriteKeepsThePreviousCheckpoint() throws IOException {
        Path ckpt = dir.resolve("keep.safetensors");
        try (Scope run = Scope.open()) {
            Checkpoint.save(ckpt, model(), null, null, 1, null);
        }
        byte[] before = Files.readAllBytes(ckpt);
        Sequential broken;
        try (Scope gone = Scope.open()) {
            broken = model();
        }
        // the model's memory is freed: writing fails half-way, after the temporary file was opened
        Sequential b = broken;
        assertThrows(IllegalStateException.class, () -> Checkpoint.save(ckpt, b, null, null, 2, null));
        assertArrayEquals(before, Files.readAllBytes(ckpt));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left behind");
        }
    }

    @Test
    void namedModulesAndGeneratorsRoundTrip() throws IOException {
        Path ckpt = dir.resolve("two.safetensors");
        try (Scope run = Scope.open()) {
            Sequential backbone = model();
            Linear head = new Linear(4, 3, false, new Generator(5));
            Generator data = new Generator(11);
            Generator sampler = new Generator(12);
            data.reserve(1000);
            sampler.nextDouble();
            Checkpoint.save(ckpt, Map.of("model", backbone, "head", head), null, Map.of("data", data, "sampler", sampler), 7, null);
            Checkpoint.State st = Checkpoint.load(ckpt);
            assertEquals(7, st.step());
            assertEquals(Map.of("data", new Checkpoint.GeneratorState(11, data.offset()), "sampler", new Checkpoint.GeneratorState(12, 1)),
                    st.generators());
            Linear head2 = new Linear(4, 3, false, new Generator(6));
            Generator data2 = new Generator(11);
            Generator sampler2 = new Generator(12);
            Checkpoint.restore(st, Map.of("model", model(), "head", head2), null, Map.of("data", data2, "sampler", sampler2));
            assertArrayEquals(head.weight().data().toDoubleArray(), head2.weight().data().toDoubleArray(), 0.0, "the head's weights");
            assertEquals(data.offset(), data2.offset());
            assertEquals(1, sampler2.offset());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoint.restore(st, Map.of("teacher", model()), null, Map.of()));
            assertTrue(missing.getMessage().contains("no module 'teacher'"), missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Checkpoint.restore(st, Map.of(), null, Map.of("data", new Generator(99))));
            assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(ckpt, Map.of("optim", head), null, Map.of(), 1, null));
        }
    }

    @Test
    void temporaryFilesOfKilledWritersAreRemovedByTheNextSave() throws IOException {
        Path ckpt = dir.resolve("run.safetensors");
        // what a writer killed mid-save leaves: its uniquely named temporary file beside the target
        Path stale1 = Files.write(dir.resolve("run.safetensors4821937.tmp"), new byte[1000]);
        Path stale2 = Files.write(dir.resolve("run.safetensors77.tmp"), new byte[10]);
        Path otherTarget = Files.write(dir.resolve("other.safetensors123.tmp"), new byte[10]);
        Path userFile = Files.write(dir.resolve("run.safetensors.notes.tmp"), new byte[10]);
        try (Scope run = Scope.open()) {
            Checkpoint.save(ckpt, model(), null, null, 1, null);
        }
        assertTrue(Files.exists(ckpt));
        assertTrue(Files.notExists(stale1) && Files.notExists(stale2), "stale temporary files of this target are removed");
        assertTrue(Files.exists(otherTarget) && Files.exists(userFile), "other files are left alone");
    }
}
