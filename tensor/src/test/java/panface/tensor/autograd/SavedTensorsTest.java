package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * A recorded forward run through {@link SavedTensors#compute} keeps only what the backward needs,
 * the backward frees that as it goes, and outputs a pointwise node can recompute are not kept at
 * all: the gradients stay bit for bit those of a forward that kept everything.
 */
class SavedTensorsTest {
    private static final double[] X = {0.5, -1, 2};

    @Test
    void memoryHeldForTheBackwardIsFreedByItButTheResultIsNot() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(X, 3).requiresGrad(true);
            Tensor h = SavedTensors.compute(() -> x.mul(2).exp().mul(3));
            // h = 3 exp(2x): the affine node keeps exp's output, exp keeps its input
            Storage e = h.gradFn().inputs()[0].storage();
            Storage a = h.gradFn().inputs()[0].gradFn().inputs()[0].storage();
            assertTrue(e.isHeldForBackward() && a.isHeldForBackward(), "what the graph needs is kept and held");
            h.sum().backward();
            assertTrue(e.isClosed() && a.isClosed(), "the backward frees what it alone needed");
            assertFalse(h.storage().isClosed(), "the result belongs to the caller");
            double[] want = new double[3];
            for (int i = 0; i < 3; i++) {
                want[i] = 6 * Math.exp(2 * X[i]);
            }
            // one float64 exp against another: only the order of the two multiplications differs
            assertArrayEquals(want, x.grad().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void retainingTheGraphKeepsHeldMemoryForASecondPass() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(X, 3).requiresGrad(true);
            Tensor h = SavedTensors.compute(() -> x.mul(2).exp().mul(3));
            Storage a = h.gradFn().inputs()[0].gradFn().inputs()[0].storage();
            Tensor loss = h.sum();
            loss.backward(null, true);
            assertFalse(a.isClosed(), "a retained graph keeps what it needs");
            loss.backward();
            assertTrue(a.isClosed());
            for (int i = 0; i < 3; i++) {
                // two passes accumulate: 2 * 6 exp(2x), each a float64 exp as above
                assertArrayEquals(new double[] {12 * Math.exp(2 * X[i])}, new double[] {x.grad().toDoubleArray()[i]}, 1e-12);
            }
        }
    }

    @Test
    void batchNormAndPreluOutputsAreRecomputedBitForBit() {
        Generator gen = new Generator(11);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(gen, 2, 3, 7, 7).requiresGrad(true);
            Tensor g = Tensor.randn(gen, 3).requiresGrad(true);
            Tensor b = Tensor.randn(gen, 3).requiresGrad(true);
            Tensor slope = Tensor.rand(gen, 3).requiresGrad(true);
            Tensor w = Tensor.randn(gen, 4, 3, 3, 3).requiresGrad(true);
            Tensor[] params = {x, g, b, slope, w};
            Supplier<Tensor> f = () -> F.conv2d(F.prelu(F.batchNorm(x, null, null, g, b, true, 0.1, 1e-5), slope), w, null,
                    new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1);
            float[][] kept = grads(params, f.get());
            Tensor y = SavedTensors.compute(f);
            Tensor preluOut = y.gradFn().inputs()[0];
            Tensor bnOut = preluOut.gradFn().inputs()[0];
            assertTrue(preluOut.storage().isClosed() && bnOut.storage().isClosed(),
                    "outputs their producers can recompute are freed after the forward");
            float[][] recomputed = grads(params, y);
            for (int i = 0; i < params.length; i++) {
                assertArrayEquals(kept[i], recomputed[i], 0f, "gradient " + i + " must not change by a bit");
            }
        }
    }

    private static float[][] grads(Tensor[] params, Tensor y) {
        for (Tensor p : params) {
            p.clearGrad();
        }
        y.square().sum().backward();
        float[][] out = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            out[i] = params[i].grad().toFloatArray();
        }
        return out;
    }
}
