package panface.nn.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.RandomisedState;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * IResNet and MobileFaceNet compiled into an inference plan (BatchNorms folded into the
 * convolutions or applied to their input, PReLU and residual adds fused) give the embeddings of
 * the same network computed layer by layer, and follow weights changed in place afterwards.
 */
class PreparedConvNetTest {

    private static void check(Module m, long seed) {
        RandomisedState.apply(m, seed);
        Layer net = (Layer) m;
        Tensor x = Tensor.randn(new Generator(seed + 1), 2, 3, 32, 32);
        m.eval();
        try (Scope s = Scope.open(); var g = GradMode.noGrad(); InferencePlan plan = m.compileInference(x)) {
            Tensor want = net.forward(x);
            Tensor got = plan.run(x);
            double err = got.sub(want).abs().max().item();
            double size = want.abs().max().item();
            // float32 rounding through a dozen layers, in a different order (folded weights, fused sums)
            assertTrue(err <= 1e-4 * size, () -> m.getClass().getSimpleName() + " plan: error " + err + " of " + size);
            assertTrue(err > 0, "the plan rounds differently: its fused path must have run");
            RandomisedState.apply(m, seed + 2);
            Tensor want2 = net.forward(x);
            double err2 = plan.run(x).sub(want2).abs().max().item();
            assertTrue(err2 <= 1e-4 * want2.abs().max().item(), () -> "weights written in place must reach the plan: error " + err2);
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
