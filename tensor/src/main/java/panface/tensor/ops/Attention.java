package panface.tensor.ops;

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
        q.backend().attention(qc, kc, vc, scale, out, lse);
        if (!GradMode.needsGrad(q, k, v)) {
            return out;
        }
        Node node = new Node("attention", q, k, v) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gq = qc.newEmpty(qc.dtype(), qc.shape());
                Tensor gk = kc.newEmpty(kc.dtype(), kc.shape());
                Tensor gv = vc.newEmpty(vc.dtype(), vc.shape());
                qc.backend().attentionBackward(saved(0), saved(1), saved(2), saved(3), saved(4), g.contiguous(), scale, gq, gk, gv);
                return new Tensor[] {needs(0) ? gq : null, needs(1) ? gk : null, needs(2) ? gv : null};
            }
        };
        node.save(qc, kc, vc, out.detach(), lse);
        return out.withGradFn(node);
    }
}
