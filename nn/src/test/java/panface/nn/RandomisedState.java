package panface.nn;

import java.util.Map;

import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Gives a model state that looks trained, so that folding and fusing are exercised: BatchNorms
 * with running statistics, weights and biases away from their initial values, PReLU slopes of
 * both signs.
 */
public final class RandomisedState {
    private RandomisedState() {
    }

    /** Writes the state into m in place. */
    public static void apply(Module m, long seed) {
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
}
