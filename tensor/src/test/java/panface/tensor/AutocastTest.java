package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.random.Generator;

/** Mixed precision regions: which ops run in 16 bits, which in float32, and where gradients land. */
class AutocastTest {

    /** A small block: linear, gelu, attention, layer norm, linear, cross-entropy. */
    private static Tensor block(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor ln, Tensor labels) {
        Tensor h = F.gelu(F.linear(x, w1, b1));
        Tensor a = F.scaledDotProductAttention(h.view(1, 2, 6, 8), h.view(1, 2, 6, 8), h.view(1, 2, 6, 8), 0.3).reshape(12, 8);
        Tensor n = F.layerNorm(a, ln, null, 1e-5);
        return F.crossEntropy(F.linear(n, w2, null), labels);
    }

    @Test
    void productsRunIn16BitsAndLossesInFloat32WithFloat32Gradients() {
        Generator g = new Generator(21);
        Tensor x = Tensor.randn(g, 12, 10);
        Tensor w1 = Tensor.randn(g, 8, 10).mul(0.3).detach().requiresGrad(true);
        Tensor b1 = Tensor.randn(g, 8).detach().requiresGrad(true);
        Tensor w2 = Tensor.randn(g, 5, 8).mul(0.3).detach().requiresGrad(true);
        Tensor ln = Tensor.ones(8).detach().requiresGrad(true);
        Tensor labels = Tensor.of(new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}, 12);

        Tensor full = block(x, w1, b1, w2, ln, labels);
        full.backward();
        Tensor[] fullGrads = {w1.grad().copy(), b1.grad().copy(), w2.grad().copy(), ln.grad().copy()};
        for (Tensor p : new Tensor[] {w1, b1, w2, ln}) {
            p.zeroGrad();
        }

        Tensor mixed;
        try (Autocast ac = Autocast.enable(DType.BF16, Device.Kind.CPU)) {
            Tensor y = F.linear(x, w1, b1);
            assertEquals(DType.BF16, y.dtype(), "linear runs in bf16");
            assertEquals(DType.BF16, F.matmul(x, w1.mT()).dtype(), "matmul runs in bf16");
            assertEquals(DType.F32, F.softmax(y, 1).dtype(), "softmax runs in float32");
            assertEquals(DType.F32, F.layerNorm(y, ln, null, 1e-5).dtype(), "layerNorm runs in float32");
            assertEquals(DType.F64, F.matmul(x.to(DType.F64), w1.mT().to(DType.F64)).dtype(), "float64 is left alone");
            mixed = block(x, w1, b1, w2, ln, labels);
        }
        assertEquals(DType.F32, mixed.dtype(), "the loss is float32");
        mixed.backward();
        Tensor[] params = {w1, b1, w2, ln};
        for (int i = 0; i < params.length; i++) {
            assertEquals(DType.F32, params[i].grad().dtype(), "master weights get float32 gradients");
            double err = params[i].grad().sub(fullGrads[i]).abs().max().item();
            double scale = fullGrads[i].abs().max().item();
            assertTrue(err <= 0.05 * scale + 1e-4, "gradient " + i + " off by " + err + " (scale " + scale + ")");
        }
        assertEquals(full.item(), mixed.item(), 0.02 * Math.abs(full.item()));
    }

    @Test
    void regionsAreScopedPerDeviceKindAndNest() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(3, 2);
        assertNull(Autocast.lowPrecisionFor(Device.CPU));
        try (Autocast cuda = Autocast.bf16()) {
            assertEquals(DType.F32, a.matmul(b).dtype(), "a CUDA region leaves CPU tensors alone");
            assertEquals(DType.BF16, Autocast.lowPrecisionFor(Device.cuda(0)));
            try (Autocast cpu = Autocast.enable(DType.F16, Device.Kind.CPU)) {
                assertEquals(DType.F16, a.matmul(b).dtype());
                try (Autocast off = Autocast.disable()) {
                    assertEquals(DType.F32, a.matmul(b).dtype());
                }
                assertEquals(DType.F16, a.matmul(b).dtype());
            }
            assertNull(Autocast.lowPrecisionFor(Device.CPU));
        }
        assertNull(Autocast.lowPrecisionFor(Device.cuda(0)));
    }

    @Test
    void misuseIsReported() {
        assertThrows(IllegalArgumentException.class, () -> Autocast.enable(DType.F32));
        Autocast outer = Autocast.enable(DType.BF16, Device.Kind.CPU);
        Autocast inner = Autocast.enable(DType.BF16, Device.Kind.CPU);
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        inner.close();
        outer.close();
        assertNull(Autocast.lowPrecisionFor(Device.CPU));
    }
}
