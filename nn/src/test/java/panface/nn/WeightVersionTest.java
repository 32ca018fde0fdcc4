package panface.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import panface.nn.layers.BatchNorm;
import panface.nn.layers.Linear;
import panface.nn.optim.AdamW;
import panface.nn.optim.Optimizer;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Every way a weight's values change in place advances its storage's version counter (what an
 * inference plan compares to know its prepared weights are out of date), and rebinding a
 * parameter replaces the tensor it holds.
 */
class WeightVersionTest {

    private static void assertBumps(String what, Tensor t, Runnable write) {
        long before = t.version();
        write.run();
        assertTrue(t.version() > before, what + " must advance the version counter");
    }

    @Test
    void everyInPlaceMethodAdvancesTheCounterOfTheStorageAndItsViews() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Tensor t = Tensor.zeros(4, 3);
            Tensor row = t.select(0, 1);
            assertBumps("addInPlace", t, () -> t.addInPlace(Tensor.ones(3), 2));
            assertBumps("mulInPlace(tensor)", t, () -> t.mulInPlace(Tensor.ones(4, 3)));
            assertBumps("mulInPlace(scalar)", t, () -> t.mulInPlace(3));
            assertBumps("affineInPlace", t, () -> t.affineInPlace(2, 1));
            assertBumps("fillInPlace", t, () -> t.fillInPlace(5));
            assertBumps("copyFrom", t, () -> t.copyFrom(Tensor.ones(4, 3)));
            assertBumps("a write into a view", t, () -> row.fillInPlace(7));
            long v = t.version();
            t.add(1).mul(2);
            assertEquals(v, t.version(), "out-of-place ops leave the input's counter alone");
        }
    }

    private static void stepChanges(String name, java.util.function.Function<List<ParamGroup>, Optimizer> make, boolean slab) {
        try (Scope s = Scope.open()) {
            Linear lin = new Linear(5, 3, true, new Generator(1));
            if (slab) {
                ParameterSlab.pack(lin);
            }
            Optimizer opt = make.apply(List.of(ParamGroup.of(lin.parameters(), 0.01)));
            Tensor x = Tensor.randn(new Generator(2), 4, 5);
            lin.forward(x).square().sum().backward();
            Tensor w = lin.weight().data();
            assertBumps(name + (slab ? " on a slab" : ""), w, opt::step);
        }
    }

    @Test
    void optimizerStepsAdvanceTheCounterAlsoThroughFusedKernelsAndSlabs() {
        for (boolean slab : new boolean[] {false, true}) {
            stepChanges("SGD with momentum", gs -> new SGD(gs, 0.1, 0.9), slab);
            stepChanges("plain SGD", gs -> new SGD(gs, 0.1, 0), slab);
            stepChanges("AdamW", gs -> new AdamW(gs, 0.1), slab);
        }
    }

    @Test
    void loadingAStateDictAdvancesEveryLoadedTensor() {
        try (Scope s = Scope.open()) {
            BatchNorm bn = new BatchNorm(3);
            Map<String, Tensor> state = new HashMap<>();
            for (Map.Entry<String, Tensor> e : bn.stateDict().entrySet()) {
                state.put(e.getKey(), Tensor.onesLike(e.getValue()));
            }
            Map<String, Tensor> own = bn.stateDict();
            Map<String, Long> before = new HashMap<>();
            own.forEach((k, t) -> before.put(k, t.version()));
            bn.loadStateDict(state, true);
            own.forEach((k, t) -> assertTrue(t.version() > before.get(k), k + " was loaded without advancing its counter"));
        }
    }

    @Test
    void aTrainingBatchNormAdvancesItsRunningStatistics() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            BatchNorm bn = new BatchNorm(3);
            Tensor mean = bn.namedBuffers().get("running_mean").data();
            Tensor var = bn.namedBuffers().get("running_var").data();
            Tensor x = Tensor.randn(new Generator(3), 8, 3);
            long vm = mean.version();
            assertBumps("a training forward (running_var)", var, () -> bn.forward(x));
            assertTrue(mean.version() > vm, "a training forward must advance running_mean");
        }
    }

    @Test
    void bindingAndMovingReplaceTheHeldTensor() {
        try (Scope s = Scope.open()) {
            Linear lin = new Linear(2, 2, false, new Generator(4));
            Consumer<Runnable> replaces = r -> {
                Tensor before = lin.weight().data();
                r.run();
                assertNotSame(before, lin.weight().data());
            };
            replaces.accept(() -> lin.bind(Map.of("weight", Tensor.ones(2, 2))));
            replaces.accept(() -> ParameterSlab.pack(lin));
        }
    }
}
