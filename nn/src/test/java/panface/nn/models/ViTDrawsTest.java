package panface.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * The face ViT's training-time decisions: the default forward draws them from the model's Philox
 * stream, and replaying the same decisions through {@link ViTDraws#given} reproduces that forward
 * (the dropped tokens' order in the given token order does not matter: they all become the mask
 * token). Compared bit for bit: the CPU kernels round the same way whatever the JIT has compiled
 * between the two forwards (the default, see VecReproducible), and one different decision moves
 * the outputs by O(0.1).
 */
class ViTDrawsTest {
    private static final long SEED = 21;
    private static final ViTConfig CONFIG = new ViTConfig(45, 9, 24, 3, 3, 4.0, 16, 0.5, 0.1, false, SEED);

    /** Passes the Philox draws on and writes them down in the layout {@link ViTDraws#given} reads. */
    private static final class Recorder implements ViTDraws {
        private final ViTDraws drawn;
        private final double[] dropPathKeep;
        private final int batch;
        private Tensor keepIndex;

        Recorder(ViTDraws drawn, int depth, int batch) {
            this.drawn = drawn;
            this.batch = batch;
            this.dropPathKeep = new double[depth * 2 * batch];
            java.util.Arrays.fill(dropPathKeep, 1);
        }

        @Override
        public Tensor tokenOrder(int b, int tokens, int keep) {
            Tensor order = drawn.tokenOrder(b, tokens, keep);
            keepIndex = order.narrow(1, 0, keep).contiguous();
            return order;
        }

        @Override
        public Tensor dropPathKeep(int block, int branch, int b, double keepProb, Device device) {
            Tensor keep = drawn.dropPathKeep(block, branch, b, keepProb, device);
            double[] v = keep.to(DType.F64).toDoubleArray();
            System.arraycopy(v, 0, dropPathKeep, (block * 2 + branch) * batch, batch);
            return keep;
        }

        ViTDraws replay(int depth) {
            return ViTDraws.given(keepIndex, Tensor.of(dropPathKeep, depth, 2, batch));
        }
    }

    @Test
    void theDefaultDrawsFromPhiloxAndGivenDecisionsReplayThem() {
        int batch = 4;
        Tensor x = Tensor.randn(new Generator(3), batch, 3, 45, 45);
        FaceViT byDefault = new FaceViT(CONFIG);
        FaceViT explicit = new FaceViT(CONFIG);
        byDefault.train(true);
        explicit.train(true);
        try (var g = GradMode.noGrad()) {
            Recorder rec = new Recorder(explicit.draws(), CONFIG.depth(), batch);
            for (int step = 0; step < 2; step++) {   // the second step continues the same stream
                double[] want = byDefault.forward(x).toDoubleArray();
                assertArrayEquals(want, explicit.forward(x, rec).toDoubleArray(), 0, "step " + step);
                assertArrayEquals(want, explicit.forward(x, rec.replay(CONFIG.depth())).toDoubleArray(), 0, "replayed step " + step);
            }
        }
    }

    @Test
    void givenDecisionsMustFitTheForward() {
        FaceViT model = new FaceViT(CONFIG);
        model.train(true);
        Tensor x = Tensor.randn(new Generator(4), 2, 3, 45, 45);
        Tensor ones = Tensor.full(1, Device.CPU, DType.F64, CONFIG.depth(), 2, 2);
        long[] keep = new long[2 * 22];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i % 22;
        }
        Tensor okKeep = Tensor.of(keep, 2, 22);
        try (var g = GradMode.noGrad()) {
            model.forward(x, ViTDraws.given(okKeep, ones));
            // 25 tokens: the reference keeps int(25 * 0.9) = 22 whatever the configured ratio
            assertThrows(IllegalArgumentException.class, () -> model.forward(x, ViTDraws.given(okKeep.narrow(1, 0, 21).contiguous(), ones)));
            keep[1] = 0;
            assertThrows(IllegalArgumentException.class, () -> model.forward(x, ViTDraws.given(Tensor.of(keep, 2, 22), ones)));
            assertThrows(IllegalArgumentException.class, () -> model.forward(x, ViTDraws.given(okKeep, null)));
            assertThrows(IllegalArgumentException.class, () -> ViTDraws.given(okKeep, ones.mul(0.5)));
        }
    }
}
