package panface.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.tensor.PrepackedWeight;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/** Prepared (prepacked) weights give the same results as the plain ones and never go stale through the module's own methods. */
class PreparedInferenceTest {
    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item();
    }

    @Test
    void aPreparedLinearMatchesThePlainOneOnOddShapes() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Generator gen = new Generator(3);
            for (int[] shape : new int[][] {{2, 5, 7}, {3, 33, 50}, {144, 256, 768}, {9, 1000, 17}, {800, 64, 1000}}) {
                Linear lin = new Linear(shape[1], shape[2], true, gen);
                Tensor x = Tensor.randn(gen, 2, shape[0], shape[1]);
                Tensor plain = lin.forward(x);
                Tensor plainAct = lin.forwardActivation(x, panface.tensor.backend.UnaryOp.RELU6, 0);
                lin.prepareInference();
                assertTrue(PrepackedWeight.of(lin.weight().data()).isPacked(), "the CPU packs float32 weights");
                double scale = plain.abs().max().item();
                assertTrue(maxDiff(plain, lin.forward(x)) <= 1e-5 * scale);
                assertTrue(maxDiff(plainAct, lin.forwardActivation(x, panface.tensor.backend.UnaryOp.RELU6, 0)) <= 1e-5 * scale);
                // a transposed (non-contiguous) input
                Tensor xt = Tensor.randn(gen, shape[1], shape[0]).mT();
                lin.train(true);
                Tensor plainT = lin.forward(xt);
                lin.prepareInference();
                assertTrue(maxDiff(plainT, lin.forward(xt)) <= 1e-5 * plainT.abs().max().item());
            }
        }
    }

    @Test
    void aResidualAddedByTheProductMatchesASeparateAdd() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(8);
            // rows for several row blocks per thread at the wider shape
            for (int[] shape : new int[][] {{7, 40, 24}, {700, 48, 600}}) {
            for (boolean withBias : new boolean[] {true, false}) {
                Linear lin = new Linear(shape[1], shape[2], withBias, gen);
                Tensor x = Tensor.randn(gen, 3, shape[0], shape[1]);
                Tensor r = Tensor.randn(gen, 3, shape[0], shape[2]);
                Tensor want;
                try (var g = GradMode.noGrad()) {
                    want = r.add(lin.forward(x));
                    lin.prepareInference();
                    assertTrue(maxDiff(want, lin.forwardResidual(x, r)) <= 1e-5 * want.abs().max().item(), "bias " + withBias);
                    // a residual of another shape is broadcast by the plain add, as residual.add would
                    Tensor row = Tensor.randn(gen, shape[2]);
                    assertTrue(maxDiff(row.add(lin.forward(x)), lin.forwardResidual(x, row)) <= 1e-5 * want.abs().max().item());
                }
                // a residual that needs a gradient gets one
                Tensor rg = r.detach().requiresGrad(true);
                try (var g = GradMode.noGrad()) {
                    Tensor y = lin.forwardResidual(x, rg);
                    assertTrue(maxDiff(want, y) <= 1e-5 * want.abs().max().item());
                }
                lin.forwardResidual(x, rg).sum().backward();
                assertNotNull(rg.grad());
                assertEquals(0, rg.grad().sub(1).abs().max().item(), 0.0);
            }
            }
        }
    }

    @Test
    void loadingOrTrainingDropsThePreparedWeights() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(4);
            Linear lin = new Linear(64, 48, true, gen);
            Tensor x = Tensor.randn(gen, 16, 64);
            lin.prepareInference();
            Tensor before;
            try (var g = GradMode.noGrad()) {
                before = lin.forward(x);
            }
            Map<String, Tensor> state = new HashMap<>();
            state.put("weight", Tensor.randn(gen, 48, 64));
            state.put("bias", Tensor.randn(gen, 48));
            lin.loadStateDict(state, true);
            try (var g = GradMode.noGrad()) {
                Tensor after = lin.forward(x);
                Tensor want = x.matmul(state.get("weight").mT()).add(state.get("bias"));
                assertTrue(maxDiff(after, want) <= 1e-4, "the layer must use the loaded weights, not the stale pack");
                assertTrue(maxDiff(before, after) > 1e-2);
            }
            // training mode, then an in-place update, then evaluation: the old pack is gone
            lin.prepareInference();
            lin.train(true);
            try (var g = GradMode.noGrad()) {
                lin.weight().data().copyFrom(Tensor.zeros(48, 64));
            }
            lin.eval();
            try (var g = GradMode.noGrad()) {
                assertTrue(maxDiff(lin.forward(x), state.get("bias").expand(16, 48)) <= 1e-6);
            }
        }
    }

    @Test
    void gradientsStillFlowWhenPrepared() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(5);
            Linear lin = new Linear(40, 30, true, gen);
            lin.prepareInference();
            Tensor x = Tensor.randn(gen, 8, 40).requiresGrad(true);
            lin.forward(x).sum().backward();
            assertNotNull(x.grad());
            assertNotNull(lin.weight().grad());
            Tensor want = Tensor.ones(8, 30).matmul(lin.weight().data().detach());
            assertTrue(maxDiff(x.grad(), want) <= 1e-5);
        }
    }

    @Test
    void aPreparedViTGivesThePlainEmbeddings() {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            FaceViT vit = new FaceViT(ViTConfig.named("vit_t").withoutRegularization());
            vit.eval();
            Tensor x = Tensor.randn(new Generator(6), 3, 3, 112, 112);
            Tensor plain = vit.forward(x);
            vit.prepareInference();
            Tensor prepared = vit.forward(x);
            assertEquals(plain.size(1), prepared.size(1));
            assertTrue(maxDiff(plain, prepared) <= 1e-4 * plain.abs().max().item());
        }
    }
}
