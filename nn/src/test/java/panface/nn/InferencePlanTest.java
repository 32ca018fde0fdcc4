package panface.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static panface.nn.PlanChecks.eval;
import static panface.nn.PlanChecks.matches;
import static panface.nn.PlanChecks.relErr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.models.ViTConfig;
import panface.nn.optim.AdamW;
import panface.nn.optim.Optimizer;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * An inference plan gives the module's evaluation-mode output, follows every change of the
 * weights without being told, serves concurrent callers and refuses inputs of another shape.
 * The reference is always the module's own plain forward in evaluation mode.
 */
class InferencePlanTest {
    private static final int SIDE = 32;

    private static IResNet resnet() {
        return new IResNet(new int[] {1, 1, 1, 1}, new int[] {8, 16, 16, 32}, SIDE, 16, 0, 3);
    }

    private static MobileFaceNet mobileFaceNet() {
        return new MobileFaceNet(new MobileFaceNet.Config(16, new int[] {1, 2, 2, 1}, 16, 32, new int[] {16, 32, 64}, 8, 64, SIDE), 9);
    }

    private static final int VIT_SIDE = 36;

    /** vit_t's layout (patch 9, 8 heads, MLP ratio 4, ReLU6, the BatchNorm head) at a small width, depth and image size. */
    private static FaceViT vit() {
        return new FaceViT(new ViTConfig(VIT_SIDE, 9, 64, 2, 8, 4.0, 32, 0, 0, false, 0));
    }

    private static Tensor images(long seed, int batch, int side) {
        return Tensor.randn(new Generator(seed), batch, 3, side, side);
    }

    @Test
    void aPlanGivesTheEvaluationForwardInFloat32() {
        try (Scope s = Scope.open()) {
            IResNet r = resnet();
            RandomisedState.apply(r, 1);
            MobileFaceNet mbf = mobileFaceNet();
            RandomisedState.apply(mbf, 2);
            FaceViT v = vit();
            RandomisedState.apply(v, 3);
            // float32 rounding through a dozen layers summed in another order (folded BatchNorms, packed products, fused epilogues)
            matches(r, images(4, 3, SIDE), 1e-4);
            matches(mbf, images(5, 3, SIDE), 1e-4);
            matches(v, images(6, 2, VIT_SIDE), 1e-4);
        }
    }

    /** The module's parameters and buffers replaced by float64 copies (floating ones only). */
    private static void toFloat64(Module m) {
        Map<String, Tensor> f64 = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> f64.put(k, t.dtype().isFloating() ? t.to(DType.F64) : t));
        m.bind(f64);
    }

    @Test
    void aPlanGivesTheEvaluationForwardInFloat64() {
        try (Scope s = Scope.open()) {
            IResNet r = resnet();
            RandomisedState.apply(r, 1);
            toFloat64(r);
            MobileFaceNet mbf = mobileFaceNet();
            RandomisedState.apply(mbf, 2);
            toFloat64(mbf);
            // BatchNorm's folded scale and shift are handed over in float32 (BatchNorm.inferenceScaleShift): relative 1e-7 each
            matches(r, images(4, 2, SIDE).to(DType.F64), 1e-6);
            matches(mbf, images(5, 2, SIDE).to(DType.F64), 1e-6);
        }
    }

    /** Trains m in evaluation mode (so only the optimizer changes it) for one step on a random batch. */
    private static void step(Module m, Optimizer opt, Tensor x) {
        m.eval();
        ((Layer) m).forward(x).square().mean().backward();
        opt.step();
        opt.zeroGrad();
    }

    private static void followsOptimizer(Module m, Tensor x, Optimizer opt) {
        try (Scope s = Scope.open(); InferencePlan plan = m.compileInference(x)) {
            Tensor before = plan.run(x);
            step(m, opt, images(11, x.size(0), x.size(2)));
            Tensor want = eval(m, x);
            Tensor got = plan.run(x);
            assertTrue(relErr(got, before) > 1e-3, "the step must have changed the output");
            double e = relErr(got, want);
            assertTrue(e <= 1e-4,
                    () -> m.getClass().getSimpleName() + ": after an optimizer step the plan is off by " + e + " (stale weights?)");
        }
    }

    @Test
    void anOptimizerStepReachesThePlanWithoutACall() {
        try (Scope s = Scope.open()) {
            IResNet r = resnet();
            RandomisedState.apply(r, 1);
            followsOptimizer(r, images(4, 2, SIDE), new SGD(List.of(ParamGroup.of(r.parameters(), 0)), 0.5, 0.9));
            FaceViT v = vit();
            followsOptimizer(v, images(6, 2, VIT_SIDE), new AdamW(List.of(ParamGroup.of(v.parameters(), 0)), 1e-2));
        }
    }

    @Test
    void trainingModeStepsAndALoadedStateReachThePlan() {
        try (Scope s = Scope.open()) {
            MobileFaceNet m = mobileFaceNet();
            RandomisedState.apply(m, 2);
            Tensor x = images(5, 2, SIDE);
            try (InferencePlan plan = m.compileInference(x)) {
                plan.run(x);
                // a training-mode step moves the running statistics too; the plan is run without eval()
                SGD opt = new SGD(List.of(ParamGroup.of(m.parameters(), 0)), 0.1, 0);
                m.train(true);
                ((Layer) m).forward(images(12, 4, SIDE)).square().mean().backward();
                opt.step();
                Tensor got = plan.run(x);
                assertTrue(relErr(got, eval(m, x)) <= 1e-4, "after a training-mode step");
                // a state dict of another network
                MobileFaceNet other = mobileFaceNet();
                RandomisedState.apply(other, 21);
                m.loadStateDict(other.stateDict(), true);
                Tensor want = eval(other, x);
                assertTrue(relErr(plan.run(x), want) <= 1e-4, "after loading a state dict");
                // rebinding the parameters to other tensors
                m.bind(mobileFaceNet().stateDict());
                assertTrue(relErr(plan.run(x), eval(m, x)) <= 1e-4, "after binding other tensors");
            }
        }
    }

    @Test
    void concurrentRunsGiveTheSameResultWhileWeightsChange() throws Exception {
        try (Scope s = Scope.open()) {
            IResNet r = resnet();
            RandomisedState.apply(r, 1);
            Tensor x = images(4, 2, SIDE);
            InferencePlan plan = r.compileInference(x);
            float[] want = plan.run(x).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> plan.run(x).toFloatArray()));
                }
                for (Future<float[]> f : results) {
                    assertArrayEquals(want, f.get(), "a concurrent run differs from a lone one");
                }
                // runs go on while the weights are rewritten and re-prepared: none may touch freed memory
                AtomicBoolean stop = new AtomicBoolean();
                List<Future<Integer>> runners = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    runners.add(pool.submit(() -> {
                        int n = 0;
                        while (!stop.get()) {
                            try (Scope local = Scope.open()) {
                                plan.run(x);
                            }
                            n++;
                        }
                        return n;
                    }));
                }
                for (int k = 0; k < 6; k++) {
                    RandomisedState.apply(r, 100 + k);
                    Thread.sleep(5);
                }
                stop.set(true);
                for (Future<Integer> f : runners) {
                    assertTrue(f.get() > 0);
                }
                assertTrue(relErr(plan.run(x), eval(r, x)) <= 1e-4, "after the last rewrite the plan has the last weights");
            } finally {
                pool.shutdown();
                plan.close();
            }
        }
    }

    @Test
    void replacedAndClosedPreparedWeightsAreFreed() {
        try (Scope s = Scope.open()) {
            IResNet r = resnet();
            Tensor x = images(4, 1, SIDE);
            Supplier<Long> live = () -> MemoryStats.liveStorages(Device.CPU);
            long start = live.get();
            InferencePlan plan = r.compileInference(x);
            long compiled = live.get();
            assertTrue(compiled > start, "the plan holds its prepared weights");
            for (int k = 0; k < 5; k++) {
                try (Scope local = Scope.open()) {
                    RandomisedState.apply(r, 200 + k);
                    plan.run(x);
                }
            }
            assertTrue(live.get() <= compiled,
                    () -> "re-prepared weights must replace, not add to, the old ones: " + compiled + " -> " + live.get());
            plan.close();
            assertTrue(live.get() <= start, "closing the plan frees its prepared weights");
            assertThrows(IllegalStateException.class, () -> plan.run(x));
        }
    }

    @Test
    void inputsOfAnotherShapeAreRefusedClearly() {
        try (Scope s = Scope.open()) {
            // a network without a shape check of its own: the plan's contract must name the expected shape
            IResNet r = resnet();
            InferencePlan plan = r.compileInference(images(4, 1, SIDE));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.run(Tensor.zeros(2, 1, SIDE, SIDE)));
            assertTrue(e.getMessage().contains("plan of IResNet") && e.getMessage().contains("(B, 3, 32, 32)")
                    && e.getMessage().contains("(2, 1, 32, 32)"), e.getMessage());
            for (Tensor bad : new Tensor[] {Tensor.zeros(2, 3, 48, 48), images(4, 1, SIDE).to(DType.F64), Tensor.zeros(3, SIDE, SIDE)}) {
                IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> plan.run(bad));
                assertTrue(b.getMessage().contains("(B, 3, 32, 32)"), b.getMessage());
            }
            plan.close();
            // an example the model cannot take fails at compilation, naming the module
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                    () -> resnet().compileInference(Tensor.zeros(1, 4, SIDE, SIDE)));
            assertTrue(c.getMessage().contains("IResNet") && c.getMessage().contains("example"), c.getMessage());
        }
    }

    /** y = x W^T + x W^T from two prepared copies of a linear layer's weight, the second of which can be made to fail. */
    static final class TwoCopies extends Module implements Layer {
        final panface.nn.layers.Linear lin = child("lin", new panface.nn.layers.Linear(4, 3, false, new Generator(1)));
        volatile boolean fail;

        @Override
        public Tensor forward(Tensor x) {
            return lin.forward(x).mul(2);
        }

        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedSlot<Tensor> a = c.prepare(() -> lin.weight().data().mul(1), lin);
            PreparedSlot<Tensor> b = c.prepare(() -> {
                if (fail) {
                    throw new IllegalStateException("preparation failed");
                }
                return lin.weight().data().mul(1);
            }, lin);
            return (w, x) -> x.matmul(a.in(w).mT()).add(x.matmul(b.in(w).mT()));
        }
    }

    @Test
    void aFailedPreparationFreesWhatItMadeAndLeavesThePlanUsable() {
        try (Scope s = Scope.open()) {
            TwoCopies m = new TwoCopies();
            Tensor x = Tensor.randn(new Generator(2), 5, 4);
            InferencePlan plan = m.compileInference(x);
            long live = MemoryStats.liveStorages(Device.CPU);
            m.fail = true;
            try (var g = GradMode.noGrad()) {
                m.lin.weight().data().mulInPlace(3);
            }
            try (Scope local = Scope.open()) {
                assertThrows(IllegalStateException.class, () -> plan.run(x));
            }
            assertTrue(MemoryStats.liveStorages(Device.CPU) <= live, "the copy made before the failure must be freed");
            m.fail = false;
            // float32 products through matmul here and linear in the reference may sum in another order
            assertTrue(relErr(plan.run(x), eval(m, x)) <= 1e-6, "the plan must use the tripled weight once preparing works again");
            plan.close();
        }
    }
}
