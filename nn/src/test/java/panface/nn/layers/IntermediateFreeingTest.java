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
                // bit for bit: the kernels round the same way whatever the JIT compiles between the two forwards
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

    @Test
    void aSequentialFreesEachLayersTensorsWithoutAGraph() {
        Generator gen = new Generator(6);
        try (Scope model = Scope.open()) {
            Sequential seq = new Sequential().add(new Linear(16, 64, true, gen)).addFunction(panface.tensor.F::relu)
                    .add(new Linear(64, 64, true, gen)).addFunction(x -> x.reshape(-1)).add(new PReLU(1));
            Tensor x = Tensor.randn(gen, 4, 16);
            Tensor reference;
            try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
                Tensor y = seq.forward(x);
                assertEquals(1, step.size(), "only the output is left in the caller's scope");
                assertTrue(!x.storage().isClosed(), "the caller's input is not freed");
                reference = model.keep(y.copy());
            }
            try (Scope step = Scope.open()) {
                Tensor y = seq.forward(x);
                // backward needs the first product (relu's input), the relu output (the second
                // product's input) and the second product (PReLU's input), besides the output
                assertTrue(step.size() >= 4, "a recorded forward keeps what backward needs, found " + step.size());
                assertEquals(0, y.sub(reference).abs().max().item(), 0.0, "freeing changes no value");
                y.sum().backward();
            }
        }
    }

    @Test
    void aRecordedSequentialKeepsOnlyWhatBackwardNeedsAndTheSameGradients() {
        Generator gen = new Generator(8);
        try (Scope model = Scope.open()) {
            // an IResNet block's residual branch: BN, conv, BN, PReLU, conv, BN
            Sequential seq = new Sequential().add(new BatchNorm(8)).add(new Conv2d(8, 16, 3, 1, 1, 1, false, gen))
                    .add(new BatchNorm(16)).add(new PReLU(16)).add(new Conv2d(16, 16, 3, 1, 1, 1, false, gen)).add(new BatchNorm(16));
            Tensor x = Tensor.randn(gen, 4, 8, 12, 12).requiresGrad(true);
            long unit = 4L * 16 * 12 * 12 * Float.BYTES;
            // reference: the layers called one by one, so that every activation stays until the step ends
            long[] everything = new long[2];
            float[][] reference = step(seq, x, everything, () -> {
                Tensor y = x;
                for (int i = 0; i < seq.size(); i++) {
                    y = seq.get(i).forward(y);
                }
                return y;
            });
            long[] lean = new long[2];
            float[][] got = step(seq, x, lean, () -> seq.forward(x));
            for (int i = 0; i < got.length; i++) {
                assertEquals(reference[i].length, got[i].length);
                for (int j = 0; j < got[i].length; j++) {
                    assertEquals(reference[i][j], got[i][j], 0f, "gradient " + i + " changed at " + j);
                }
            }
            // kept everything: the first BN's output (half a unit) and five more outputs of a unit
            assertTrue(everything[0] >= unit * 11 / 2, "reference forward kept " + everything[0]);
            // kept for backward: the two conv outputs (the BNs' inputs) and the result; the BN and
            // PReLU outputs the convs and the PReLU read are recomputed; a few per-channel vectors
            assertTrue(lean[0] <= 3 * unit + 8192, "a recorded forward kept " + lean[0] + " bytes, more than three activations");
            // the peak comes in the backward of the second conv, which has its input recomputed
            // (and the PReLU's input for that) while the reference still holds all six outputs
            assertTrue(lean[1] < everything[1] - unit, "peak " + lean[1] + " against " + everything[1] + " keeping everything");
        }
    }

    /** Runs forward and backward of sum(y^2), returns the gradients of x and every parameter; live bytes after the forward and the peak in bytes. */
    private static float[][] step(Sequential seq, Tensor x, long[] bytes, java.util.function.Supplier<Tensor> forward) {
        java.util.List<Tensor> leaves = new java.util.ArrayList<>();
        leaves.add(x);
        for (Parameter p : seq.parameters()) {
            leaves.add(p.data());
        }
        for (Tensor t : leaves) {
            t.clearGrad();
        }
        long base = panface.tensor.MemoryStats.liveBytes(panface.tensor.Device.CPU);
        panface.tensor.MemoryStats.resetPeak(panface.tensor.Device.CPU);
        try (Scope step = Scope.open()) {
            Tensor y = forward.get();
            bytes[0] = panface.tensor.MemoryStats.liveBytes(panface.tensor.Device.CPU) - base;
            y.square().sum().backward();
            bytes[1] = panface.tensor.MemoryStats.peakBytes(panface.tensor.Device.CPU) - base;
        }
        float[][] out = new float[leaves.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = leaves.get(i).grad().toFloatArray();
        }
        return out;
    }

    @Test
    void aMobileFaceNetEmbeddingHoldsAboutOneLayersActivations() {
        try (Scope model = Scope.open(); var g = GradMode.noGrad()) {
            panface.nn.models.MobileFaceNet net = panface.nn.models.MobileFaceNet.standard(128, 3);
            net.eval();
            Tensor x = Tensor.randn(new Generator(1), 1, 3, 112, 112);
            long live = panface.tensor.MemoryStats.liveBytes(panface.tensor.Device.CPU);
            panface.tensor.MemoryStats.resetPeak(panface.tensor.Device.CPU);
            try (Scope step = Scope.open()) {
                net.forward(x);
            }
            long peak = panface.tensor.MemoryStats.peakBytes(panface.tensor.Device.CPU) - live;
            // the largest activation is 128 x 56 x 56 floats (1.6 MB) and a 3x3 convolution's
            // unfolded input nine times that; holding every activation to the end took 169 MB
            assertTrue(peak < 40_000_000, "peak tensor memory of one embedding: " + peak + " bytes");
        }
    }
}
