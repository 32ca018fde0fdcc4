package panface.tensor.cpu.attention;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.Assertions2;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.KernelViews;
import panface.tensor.random.Generator;

/** The fused float32 attention kernel against the double reference, forward and backward. */
class AttentionParityTest {

    @Test
    void matchesTheReference() {
        Generator g = new Generator(8);
        int[][] shapes = {{2, 3, 7, 5, 7, 4}, {1, 2, 144, 32, 144, 32}, {2, 1, 17, 40, 9, 33}};
        for (int[] sh : shapes) {
            Tensor q = Tensor.randn(g, sh[0], sh[1], sh[2], sh[3]);
            Tensor k = Tensor.randn(g, sh[0], sh[1], sh[4], sh[3]);
            Tensor v = Tensor.randn(g, sh[0], sh[1], sh[4], sh[5]);
            double scale = 1 / Math.sqrt(sh[3]);
            Tensor outRef = Tensor.zeros(sh[0], sh[1], sh[2], sh[5]);
            Tensor lseRef = Tensor.zeros(sh[0], sh[1], sh[2]);
            Tensor out = Tensor.zeros(sh[0], sh[1], sh[2], sh[5]);
            Tensor lse = Tensor.zeros(sh[0], sh[1], sh[2]);
            AttentionReference.attentionForward(viewOf(q), viewOf(k), viewOf(v), scale, viewOf(outRef), viewOf(lseRef));
            assertTrue(Chosen.attention(q, k, v, scale, out, lse));
            Assertions2.assertClose(outRef, out, 1e-5, 1e-4);
            Assertions2.assertClose(lseRef, lse, 1e-5, 1e-5);
            Tensor gy = Tensor.randn(g, out.shape());
            Tensor[] ref = {Tensor.zerosLike(q), Tensor.zerosLike(k), Tensor.zerosLike(v)};
            Tensor[] fast = {Tensor.zerosLike(q), Tensor.zerosLike(k), Tensor.zerosLike(v)};
            AttentionReference.attentionBackward(viewOf(q), viewOf(k), viewOf(v), viewOf(outRef), viewOf(lseRef), viewOf(gy), scale, (ref[0]).asView(), (ref[1]).asView(), (ref[2]).asView());
            assertTrue(Chosen.attentionBackward(q, k, v, outRef, lseRef, gy, scale, fast[0], fast[1], fast[2]));
            for (int i = 0; i < 3; i++) {
                Assertions2.assertClose(ref[i], fast[i], 1e-4, 1e-3);
            }
        }
        assertTrue(!Chosen.attention(Tensor.zeros(DType.F64, 1, 1, 2, 2), Tensor.zeros(DType.F64, 1, 1, 2, 2),
                Tensor.zeros(DType.F64, 1, 1, 2, 2), 1, Tensor.zeros(DType.F64, 1, 1, 2, 2), Tensor.zeros(DType.F64, 1, 1, 2)));
    }

    @Test
    void fusedSelfAttentionOnStridedHeadsMatchesFloat64() {
        Generator g = new Generator(12);
        Tensor qkv = Tensor.randn(g, 3, 20, 3 * 4 * 8);
        Tensor up = Tensor.randn(g, 3, 20, 32);
        Tensor x32 = qkv.detach().requiresGrad(true);
        Tensor x64 = qkv.to(DType.F64).detach().requiresGrad(true);
        Tensor y32 = panface.tensor.F.selfAttention(x32, 4, 0.3);
        Tensor y64 = panface.tensor.F.selfAttention(x64, 4, 0.3);
        Assertions2.assertClose(y64, y32, 1e-5, 1e-4);
        y32.backward(up);
        y64.backward(up.to(DType.F64));
        Assertions2.assertClose(x64.grad(), x32.grad(), 1e-5, 1e-3);
    }
}
