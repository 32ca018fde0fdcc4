package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Fused scaled dot-product attention with its gradient. */
public final class Attention {
    private Attention() {
    }

    /** softmax(q k^T * scale) v over (B, H, T, D) tensors (k and v may have their own length S). */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, double scale) {
        q = Autocast.forProduct(q);
        k = Autocast.forProduct(k);
        v = Autocast.forProduct(v);
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(0) != k.size(0) || q.size(1) != k.size(1)
                || q.size(3) != k.size(3) || k.size(0) != v.size(0) || k.size(1) != v.size(1) || k.size(2) != v.size(2)) {
            throw new IllegalArgumentException("attention expects q (B, H, T, D), k (B, H, S, D) and v (B, H, S, Dv), got "
                    + q.describe() + ", " + k.describe() + ", " + v.describe());
        }
        if (q.dtype() != k.dtype() || q.dtype() != v.dtype() || !q.dtype().isFloating()) {
            throw new IllegalArgumentException("attention: q, k and v must share a floating dtype");
        }
        Tensor qc = q.detach().contiguous();
        Tensor kc = k.detach().contiguous();
        Tensor vc = v.detach().contiguous();
        Tensor out = q.newEmpty(q.dtype(), q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor lse = q.newEmpty(q.dtype() == DType.F64 ? DType.F64 : DType.F32, q.size(0), q.size(1), q.size(2));
        q.backend().attention(operand(qc), operand(kc), operand(vc), scale, operand(out), operand(lse));
        if (!GradMode.needsGrad(q, k, v)) {
            return out;
        }
        Node node = new Node("attention", q, k, v) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gq = qc.newEmpty(qc.dtype(), qc.shape());
                Tensor gk = kc.newEmpty(kc.dtype(), kc.shape());
                Tensor gv = vc.newEmpty(vc.dtype(), vc.shape());
                qc.backend().attentionBackward(operand(saved(0)), operand(saved(1)), operand(saved(2)), operand(saved(3)), operand(saved(4)), g.contiguous().asView(), scale, operand(gq), operand(gk), operand(gv));
                return new Tensor[] {needs(0) ? gq : null, needs(1) ? gk : null, needs(2) ? gv : null};
            }
        };
        node.save(qc, kc, vc, out.detach(), lse);
        return out.withGradFn(node);
    }

    /**
     * Multi-head self-attention straight from a fused projection qkv (B, L, 3*D) laid out as
     * (3, heads, D/heads) per token (timm's layout): returns (B, L, D), heads concatenated, without
     * copying q, k, v or the output into head-major tensors; the backward writes the gradient of
     * qkv in one buffer.
     */
    public static Tensor selfAttention(Tensor qkv, int heads, double scale) {
        qkv = Autocast.forProduct(qkv);
        if (qkv.dim() != 3 || qkv.size(2) % (3 * heads) != 0) {
            throw new IllegalArgumentException("self-attention expects qkv (B, L, 3*D) with D divisible by " + heads + " heads, got "
                    + qkv.describe());
        }
        if (!qkv.dtype().isFloating()) {
            throw new IllegalArgumentException("self-attention needs a floating dtype, got " + qkv.describe());
        }
        int b = qkv.size(0);
        int l = qkv.size(1);
        int d = qkv.size(2) / 3;
        int dh = d / heads;
        Tensor x = qkv.detach().contiguous();
        Tensor[] qkvViews = headViews(x, b, l, heads, dh);
        Tensor out = x.newEmpty(x.dtype(), b, l, heads, dh);
        Tensor outView = out.permute(0, 2, 1, 3);
        Tensor lse = x.newEmpty(x.dtype() == DType.F64 ? DType.F64 : DType.F32, b, heads, l);
        x.backend().attention(qkvViews[0].asView(), qkvViews[1].asView(), qkvViews[2].asView(), scale, operand(outView), operand(lse));
        Tensor result = out.reshape(b, l, d);
        if (!GradMode.needsGrad(qkv)) {
            return result;
        }
        Node node = new Node("selfAttention", qkv) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor src = saved(0);
                Tensor gqkv = src.newEmpty(src.dtype(), b, l, 3 * d);
                Tensor[] gv = headViews(gqkv, b, l, heads, dh);
                Tensor[] in = headViews(src, b, l, heads, dh);
                Tensor gView = g.contiguous().reshape(b, l, heads, dh).permute(0, 2, 1, 3);
                src.backend().attentionBackward(in[0].asView(), in[1].asView(), in[2].asView(), operand(saved(1)), operand(saved(2)), operand(gView), scale, gv[0].asView(), gv[1].asView(), gv[2].asView());
                return new Tensor[] {gqkv};
            }
        };
        node.save(x, outView.detach(), lse);
        return result.withGradFn(node);
    }

    /** q, k, v as (B, H, L, Dh) views of a contiguous (B, L, 3*H*Dh) buffer. */
    private static Tensor[] headViews(Tensor x, int b, int l, int heads, int dh) {
        Tensor t = x.reshape(b, l, 3, heads, dh);
        return new Tensor[] {t.select(2, 0).permute(0, 2, 1, 3), t.select(2, 1).permute(0, 2, 1, 3), t.select(2, 2).permute(0, 2, 1, 3)};
    }
}
