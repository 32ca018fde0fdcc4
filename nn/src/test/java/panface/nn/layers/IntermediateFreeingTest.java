package panface.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.nn.Parameter;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * A transformer block frees its intermediate tensors as it goes when nothing is recorded for
 * backward, and keeps them (the graph needs them) when something is.
 */
class IntermediateFreeingTest {
    private static TransformerBlock block(Generator gen) {
        return new TransformerBlock(32, 4, 4.0, true, 0, 0, Mlp.Activation.RELU6, gen);
    }

    @Test
    void withoutAGraphOnlyTheOutputIsLeftInTheCallersScope() {
        Generator gen = new Generator(5);
        try (Scope model = Scope.open()) {
            TransformerBlock blk = block(gen);
            Tensor x = Tensor.randn(gen, 2, 9, 32);
            Tensor kept;
            Tensor freed;
            try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
                freed = blk.forward(x);
                assertEquals(1, step.size(), "only the output should be left in the step's scope");
                kept = model.keep(freed.copy());
            }
            try (Scope step = Scope.open()) {
                Tensor y = blk.forward(x);   // parameters require gradients: the graph keeps everything
                assertTrue(step.size() > 5, "a recorded forward must keep what backward saved, found " + step.size());
                assertEquals(0, y.sub(kept).abs().max().item(), 0.0, "freeing intermediates must not change the result");
                y.square().sum().backward();
                for (Parameter p : blk.parameters()) {
                    assertNotNull(p.data().grad(), "every parameter gets a gradient");
                }
            }
            // frozen parameters and an input without gradient: nothing is recorded even in grad mode
            for (Parameter p : blk.parameters()) {
                p.requiresGrad(false);
            }
            try (Scope step = Scope.open()) {
                blk.forward(x);
                assertEquals(1, step.size());
            }
        }
    }
}
