package panface.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.tensor.PrepackedWeight;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/** Linear layers in an inference plan (packed weights, fused activation and residual) give the plain results and never go stale. */
class PreparedInferenceTest {
    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item();
    }

    @Test
    void aPlannedLinearMatchesThePlainOneOnOddShapes() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Generator gen = new Generator(3);
            for (int[] shape : new int[][] {{2, 5, 7}, {3, 33, 50}, {144, 256, 768}, {9, 1000, 17}, {800, 64, 1000}}) {
                Linear lin = new Linear(shape[1], shape[2], true, gen);
                Tensor x = Tensor.randn(gen, 2, shape[0], shape[1]);
                Tensor plain = lin.forward(x);
                assertTrue(PrepackedWeight.of(lin.weight().data()).isPacked(), "the CPU packs float32 weights");
                double scale = plain.abs().max().item();
                // float32 products summed in another order by the packed kernel
                try (InferencePlan plan = lin.compileInference(x)) {
                    assertTrue(maxDiff(plain, plan.run(x)) <= 1e-5 * scale);
                }
                // a transposed (non-contiguous) input
                Tensor xt = Tensor.randn(gen, shape[1], shape[0]).mT();
                Tensor plainT = lin.forward(xt);
                try (InferencePlan plan = lin.compileInference(xt)) {
                    assertTrue(maxDiff(plainT, plan.run(xt)) <= 1e-5 * plainT.abs().max().item());
                }
            }
        }
    }

    @Test
    void fusedActivationsAndResidualsMatchTheLayers() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Generator gen = new Generator(8);
            for (Mlp.Activation act : Mlp.Activation.values()) {
                Mlp mlp = new Mlp(40, 96, 24, act, 0, gen);
                Tensor x = Tensor.randn(gen, 3, 7, 40);
                Tensor want = mlp.forward(x);
                try (InferencePlan plan = mlp.compileInference(x)) {
                    assertTrue(maxDiff(want, plan.run(x)) <= 1e-5 * want.abs().max().item(), act.toString());
                }
            }
            // the block adds each branch onto its residual inside the output projections
            TransformerBlock blk = new TransformerBlock(48, 4, 4.0, true, 0, 0, Mlp.Activation.RELU6, gen);
            Tensor x = Tensor.randn(gen, 2, 9, 48);
            Tensor want = blk.forward(x);
            try (InferencePlan plan = blk.compileInference(x)) {
                assertTrue(maxDiff(want, plan.run(x)) <= 1e-5 * want.abs().max().item());
            }
        }
    }

    @Test
    void loadingOrTrainingReachesThePlan() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(4);
            Linear lin = new Linear(64, 48, true, gen);
            Tensor x = Tensor.randn(gen, 16, 64);
            InferencePlan plan = lin.compileInference(x);
            Tensor before = plan.run(x);
            Map<String, Tensor> state = new HashMap<>();
            state.put("weight", Tensor.randn(gen, 48, 64));
            state.put("bias", Tensor.randn(gen, 48));
            lin.loadStateDict(state, true);
            try (var g = GradMode.noGrad()) {
                Tensor after = plan.run(x);
                Tensor want = x.matmul(state.get("weight").mT()).add(state.get("bias"));
                assertTrue(maxDiff(after, want) <= 1e-4, "the plan must use the loaded weights, not the stale pack");
                assertTrue(maxDiff(before, after) > 1e-2);
            }
            // training mode, then an in-place update, then the plan without eval(): the old pack is gone
            lin.train(true);
            try (var g = GradMode.noGrad()) {
                lin.weight().data().copyFrom(Tensor.zeros(48, 64));
            }
            assertTrue(maxDiff(plan.run(x), state.get("bias").expand(16, 48)) <= 1e-6);
            assertTrue(!lin.isTraining(), "a run puts the module back in evaluation mode");
            plan.close();
        }
    }

    @Test
    void gradientsStillFlowAfterAPlanIsCompiled() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(5);
            Linear lin = new Linear(40, 30, true, gen);
            lin.compileInference(Tensor.zeros(1, 40)).close();
            Tensor x = Tensor.randn(gen, 8, 40).requiresGrad(true);
            lin.forward(x).sum().backward();
            assertNotNull(x.grad());
            assertNotNull(lin.weight().grad());
            Tensor want = Tensor.ones(8, 30).matmul(lin.weight().data().detach());
            assertTrue(maxDiff(x.grad(), want) <= 1e-5);
        }
    }

    @Test
    void aPlannedViTGivesThePlainEmbeddings() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            FaceViT vit = new FaceViT(ViTConfig.named("vit_t").withoutRegularization());
            vit.eval();
            Tensor x = Tensor.randn(new Generator(6), 3, 3, 112, 112);
            Tensor plain = vit.forward(x);
            try (InferencePlan plan = vit.compileInference(x)) {
                Tensor planned = plan.run(x);
                assertEquals(plain.size(1), planned.size(1));
                assertTrue(maxDiff(plain, planned) <= 1e-4 * plain.abs().max().item());
            }
        }
    }
}
