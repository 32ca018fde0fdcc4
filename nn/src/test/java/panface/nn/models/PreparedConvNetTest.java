package panface.nn.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.Buffer;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * IResNet and MobileFaceNet prepared for inference (BatchNorms folded into the convolutions or
 * applied to their input, PReLU and residual adds fused) give the embeddings of the same network
 * computed layer by layer; switching to training mode drops the prepared path.
 */
class PreparedConvNetTest {

    /** BatchNorms with running statistics, weights and biases away from their initial values, PReLU slopes of both signs. */
    private static void randomise(Module m, long seed) {
        Generator g = new Generator(seed);
        try (var ng = GradMode.noGrad()) {
            for (Map.Entry<String, Buffer> e : m.namedBuffers().entrySet()) {
                Tensor d = e.getValue().data();
                if (e.getKey().endsWith("running_mean")) {
                    d.copyFrom(Tensor.randn(g, d.shape()).mul(0.2));
                } else if (e.getKey().endsWith("running_var")) {
                    d.copyFrom(Tensor.rand(g, d.shape()).add(0.5));
                }
            }
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                Tensor d = e.getValue().data();
                String k = e.getKey();
                boolean bn = d.dim() == 1 && !k.contains("prelu") && !k.endsWith("layers.2.weight");
                if (d.dim() == 1 && k.endsWith("bias")) {
                    d.copyFrom(Tensor.randn(g, d.shape()).mul(0.1));
                } else if (bn && e.getValue().requiresGrad()) {
                    d.copyFrom(Tensor.rand(g, d.shape()).add(0.5));
                } else if (d.dim() == 1) {
                    d.copyFrom(Tensor.randn(g, d.shape()).mul(0.3));
                }
            }
        }
    }

    private static void check(Module m, long seed) {
        randomise(m, seed);
        Layer net = (Layer) m;
        Tensor x = Tensor.randn(new Generator(seed + 1), 2, 3, 32, 32);
        m.eval();
        try (var g = GradMode.noGrad()) {
            Tensor want = net.forward(x);
            m.prepareInference();
            Tensor got = net.forward(x);
            double err = got.sub(want).abs().max().item();
            double size = want.abs().max().item();
            // float32 rounding through a dozen layers, in a different order (folded weights, fused sums)
            assertTrue(err <= 1e-4 * size, () -> m.getClass().getSimpleName() + " prepared: error " + err + " of " + size);
            assertTrue(err > 0, "the prepared network rounds differently: it must have run");
            m.train(true);
            m.eval();
            assertTrue(net.forward(x).sub(want).abs().max().item() == 0, "training mode drops the prepared convolutions");
        }
    }

    @Test
    void preparedIResNetMatchesTheLayers() {
        check(new IResNet(new int[] {2, 2, 1, 1}, new int[] {8, 16, 16, 32}, 32, 16, 0, 3), 5);
    }

    @Test
    void preparedMobileFaceNetMatchesTheLayers() {
        check(new MobileFaceNet(new MobileFaceNet.Config(16, new int[] {1, 2, 2, 1}, 16, 32, new int[] {16, 32, 64}, 8, 64, 32), 9), 7);
    }
}
