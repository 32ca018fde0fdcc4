package panface.examples.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.faceloss.QueueInfoNce;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The distillation loop on tiny networks: the teacher stays frozen (no gradient, running
 * statistics untouched), the cache holds exactly the teacher's embeddings and is used only when
 * the teacher's view is not augmented, the MSE baseline is the hand-computed mean squared
 * difference of normalised embeddings, and a resumed run ends with the same weights as an
 * uninterrupted one.
 */
class DistillerTest {
    private static final int SIDE = 32;
    private static final int DIM = 8;

    /** Twelve fixed random images. */
    static final class RandomImages implements DistillImages {
        private final float[] all;

        RandomImages() {
            all = Tensor.randn(new Generator(9), 12, 3, SIDE, SIDE).toFloatArray();
        }

        @Override
        public int size() {
            return 12;
        }

        @Override
        public int side() {
            return SIDE;
        }

        @Override
        public void fill(int[] idx, float[] out) {
            int per = 3 * SIDE * SIDE;
            for (int i = 0; i < idx.length; i++) {
                System.arraycopy(all, idx[i] * per, out, i * per, per);
            }
        }
    }

    private static MobileFaceNet student() {
        return new MobileFaceNet(new MobileFaceNet.Config(DIM, new int[] {1, 1, 1, 1}, 8, 16, new int[] {8, 16, 32}, 8, 32, SIDE, false), 3);
    }

    private static IResNet teacherNet() {
        return new IResNet(new int[] {1, 1, 1, 1}, new int[] {8, 8, 16, 16}, SIDE, DIM, 0.0, 4);
    }

    private static Distiller.Options options(Distiller.Method m, boolean flip) {
        return new Distiller.Options(m, 4, 0.05, 0.9, 5e-4, 5.0, new int[] {2}, flip, 1, QueueInfoNce.Config.paper().withQueueSize(8));
    }

    @Test
    void teacherIsFrozenAndTheCacheHoldsItsEmbeddings(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            IResNet net = teacherNet();
            FrozenTeacher teacher = new FrozenTeacher(net);
            Map<String, Tensor> before = copy(net);
            RandomImages images = new RandomImages();
            TeacherCache cache = TeacherCache.open(dir.resolve("c.bin"), 42, images, DIM, 5, teacher);
            assertFalse(cache.reused());
            Distiller d = new Distiller(student(), teacher, images, cache, DIM, options(Distiller.Method.QUD, false));
            assertTrue(d.usesCache());
            for (int t = 0; t < 3; t++) {
                d.step(t);
            }
            for (Parameter p : net.parameters()) {
                assertNull(p.grad(), "the teacher takes no gradient");
            }
            for (Map.Entry<String, Tensor> e : before.entrySet()) {
                assertArrayEquals(e.getValue().toDoubleArray(), net.stateDict().get(e.getKey()).toDoubleArray(), 0.0, e.getKey());
            }
            assertEquals(3 * 4 % 8, d.queue().pointer(), "three batches of 4 keys went round a queue of 8");
            int[] idx = {0, 5, 11};
            float[] x = new float[3 * 3 * SIDE * SIDE];
            images.fill(idx, x);
            double[] want = teacher.apply(Tensor.of(x, 3, 3, SIDE, SIDE)).toDoubleArray();
            // the cache was written from batches of 5, the check runs a batch of 3: float32 sums may be blocked differently
            assertArrayEquals(want, cache.rows(idx).toDoubleArray(), 1e-5);
            assertTrue(TeacherCache.open(dir.resolve("c.bin"), 42, images, DIM, 5, teacher).reused());
            assertFalse(TeacherCache.open(dir.resolve("c.bin"), 43, images, DIM, 5, teacher).reused(), "another fingerprint recomputes");
            Distiller flipped = new Distiller(student(), teacher, images, cache, DIM, options(Distiller.Method.QUD, true));
            assertFalse(flipped.usesCache(), "flipped views are not the cached images");
        }
    }

    @Test
    void mseBaselineIsTheMeanSquaredDifferenceOfNormalisedEmbeddings() {
        try (Scope s = Scope.open()) {
            MobileFaceNet st = student();
            FrozenTeacher teacher = new FrozenTeacher(teacherNet());
            RandomImages images = new RandomImages();
            Distiller d = new Distiller(st, teacher, images, null, DIM, options(Distiller.Method.MSE, false));
            int[] idx = Distiller.indices(0, 12, 4, 1);
            float[] x = new float[4 * 3 * SIDE * SIDE];
            images.fill(idx, x);
            double[] k = teacher.apply(Tensor.of(x, 4, 3, SIDE, SIDE)).to(DType.F64).toDoubleArray();
            MobileFaceNet copy = student();
            copy.train(true);
            double[] q = copy.forward(Tensor.of(x, 4, 3, SIDE, SIDE)).to(DType.F64).toDoubleArray();
            double want = 0;
            for (int i = 0; i < 4; i++) {
                double nq = 0;
                double nk = 0;
                for (int j = 0; j < DIM; j++) {
                    nq += q[i * DIM + j] * q[i * DIM + j];
                    nk += k[i * DIM + j] * k[i * DIM + j];
                }
                for (int j = 0; j < DIM; j++) {
                    double diff = q[i * DIM + j] / Math.sqrt(nq) - k[i * DIM + j] / Math.sqrt(nk);
                    want += diff * diff / (4 * DIM);
                }
            }
            // float32 forward of both networks: relative rounding of a few 1e-7 on terms of order 0.1
            assertEquals(want, d.step(0), 1e-5);
        }
    }

    @Test
    void resumedRunEndsWithTheSameWeights(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            FrozenTeacher teacher = new FrozenTeacher(teacherNet());
            RandomImages images = new RandomImages();
            Map<String, String> recipe = Map.of("distill.test", "1");
            MobileFaceNet straight = student();
            Distiller a = new Distiller(straight, teacher, images, null, DIM, options(Distiller.Method.QUD, true));
            for (int t = 0; t < 5; t++) {
                a.step(t);
            }
            Path ck = dir.resolve("ck.safetensors");
            Distiller b = new Distiller(student(), teacher, images, null, DIM, options(Distiller.Method.QUD, true));
            for (int t = 0; t < 2; t++) {
                b.step(t);
            }
            b.save(ck, 2, recipe);
            MobileFaceNet resumed = student();
            Distiller c = new Distiller(resumed, teacher, images, null, DIM, options(Distiller.Method.QUD, true));
            long first = c.resume(ck, recipe);
            assertEquals(2, first);
            for (long t = first; t < 5; t++) {
                c.step(t);
            }
            for (Map.Entry<String, Tensor> e : straight.stateDict().entrySet()) {
                assertArrayEquals(e.getValue().toDoubleArray(), resumed.stateDict().get(e.getKey()).toDoubleArray(), 0.0, e.getKey());
            }
            assertArrayEquals(a.queue().queue().toDoubleArray(), c.queue().queue().toDoubleArray(), 0.0);
            assertTrue(Files.size(ck) > 0);
        }
    }

    private static Map<String, Tensor> copy(Module m) {
        Map<String, Tensor> r = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            r.put(e.getKey(), e.getValue().copy());
        }
        return r;
    }
}
