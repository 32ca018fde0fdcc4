package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static panface.nn.PlanChecks.eval;
import static panface.nn.PlanChecks.matches;
import static panface.nn.PlanChecks.relErr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.nn.RandomisedState;
import panface.nn.optim.AdamW;
import panface.nn.optim.ParamGroup;
import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The LAFS models' inference plans (the landmark CNN's BatchNorms folded into its convolutions
 * with ReLUs and residuals fused, Part fViT's products packed with GELU and skip connections
 * fused) give the models' plain evaluation-mode forward, at another batch size than the example's
 * and after an optimizer step, without being told.
 */
class LafsInferencePlanTest {
    /** Relu and h-swish blocks, with and without squeeze-excitation, stride 1 with a residual and stride 2. */
    private static final int[][] TABLE = {{3, 16, 16, 0, 0, 1}, {5, 24, 16, 1, 0, 2}, {3, 40, 24, 0, 1, 2}, {3, 48, 24, 1, 1, 1},
        {3, 32, 24, 0, 0, 1}};

    private static PartFViT model(long seed) {
        Generator gen = new Generator(seed);
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(TABLE, gen), 16, 31, gen);
        PartFViT m = new PartFViT(new PartFViT.Config(16, 8, 48, 2, 3, 20, 64, 0.1, 0.1, 0.1, true), lcnn, gen);
        RandomisedState.apply(m, seed + 1);
        return m;
    }

    private static Tensor images(long seed, int batch) {
        return Tensor.randn(new Generator(seed), batch, 3, 32, 32);
    }

    @Test
    void plansGiveTheEvaluationForward() {
        try (Scope s = Scope.open()) {
            PartFViT m = model(3);
            // float32 rounding through the trunk and blocks in another order (folded BatchNorms, packed products)
            matches(m.landmarkCnn(), images(4, 3), 1e-4);
            matches(m, images(5, 3), 1e-4);
            Map<String, Tensor> f64 = new LinkedHashMap<>();
            m.stateDict().forEach((k, t) -> f64.put(k, t.dtype().isFloating() ? t.to(DType.F64) : t));
            m.bind(f64);
            // BatchNorm's folded scale and shift are handed over in float32 (BatchNorm.inferenceScaleShift): relative 1e-7 each
            matches(m, images(5, 2).to(DType.F64), 1e-6);
        }
    }

    @Test
    void anOptimizerStepReachesThePlan() {
        try (Scope s = Scope.open()) {
            PartFViT m = model(7);
            Tensor x = images(8, 2);
            try (InferencePlan plan = m.compileInference(x)) {
                Tensor before = plan.run(x);
                AdamW opt = new AdamW(List.of(ParamGroup.of(m.parameters(), 0)), 1e-2);
                m.eval();
                m.forward(images(9, 2)).square().mean().backward();
                opt.step();
                Tensor got = plan.run(x);
                assertTrue(relErr(got, before) > 1e-3, "the step must have changed the output");
                double e = relErr(got, eval(m, x));
                assertTrue(e <= 1e-4, () -> "after an optimizer step the plan is off by " + e);
            }
        }
    }
}
