package panface.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import panface.nn.Module;
import panface.nn.ParameterSlab;
import panface.nn.layers.Linear;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Parameters packed into a slab always have a gradient buffer, but one that backward did not
 * write this step is not a gradient: AdamW must leave it alone (no weight decay, no momentum), as
 * PyTorch does for a parameter whose gradient is None after zero_grad(). A frozen layer, a head
 * used only in some stages, or a branch skipped this step depend on it.
 */
class UnusedParametersTest {
    /** Two linear layers of which a step may use only the first. */
    private static final class TwoHeads extends Module {
        final Linear used;
        final Linear unused;

        TwoHeads(Generator gen) {
            used = child("used", new Linear(4, 3, true, gen));
            unused = child("unused", new Linear(4, 3, true, gen));
        }
    }

    @Test
    void adamWSkipsSlabParametersThatReceivedNoGradient() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(3);
            TwoHeads m = new TwoHeads(gen);
            ParameterSlab.pack(m);
            assertNotNull(m.unused.weight().grad(), "the slab gives every parameter a buffer");
            assertFalse(m.unused.weight().data().gradReceived());
            double[] unusedBefore = m.unused.weight().data().toDoubleArray();
            double[] usedBefore = m.used.weight().data().toDoubleArray();
            AdamW opt = new AdamW(List.of(ParamGroup.of(m.parameters(), 0.1)), 0.01);
            for (int step = 0; step < 3; step++) {
                try (Scope st = Scope.open()) {
                    m.used.forward(Tensor.randn(gen, 2, 4)).square().sum().backward();
                }
                assertTrue(m.used.weight().data().gradReceived());
                assertFalse(m.unused.weight().data().gradReceived());
                opt.step();
                opt.zeroGrad();
                assertFalse(m.used.weight().data().gradReceived(), "zeroGrad: no longer a gradient");
            }
            assertArrayEquals(unusedBefore, m.unused.weight().data().toDoubleArray(), 0.0, "an unused parameter must not move");
            assertFalse(java.util.Arrays.equals(usedBefore, m.used.weight().data().toDoubleArray()), "the used one moves");
            assertTrue(opt.parameterSteps(0) == 3);
        }
    }

    @Test
    void stateOfAnOptimizerMadeOutsideAnyScopeOutlivesTheSteps() {
        Generator gen = new Generator(5);
        Linear layer = new Linear(4, 3, true, gen);
        SGD opt = new SGD(List.of(ParamGroup.of(layer.parameters(), 0.0)), 0.1, 0.9);
        for (int step = 0; step < 3; step++) {
            try (Scope st = Scope.open()) {
                layer.forward(Tensor.randn(gen, 2, 4)).square().sum().backward();
                opt.step();    // the second step reads the momentum buffer the first made
                opt.zeroGrad();
            }
        }
        assertTrue(opt.steps() == 3);
    }
}
