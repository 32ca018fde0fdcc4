package panface.faceloss;

import panface.faceloss.kernels.MarginCrossEntropyKernel;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.ExtensionKernels;

/**
 * The margin softmax cross-entropy as one differentiable op over cosine logits: this module's
 * fused kernel ({@link MarginCrossEntropyKernel}, CPU or CUDA) computes the per-row losses and
 * the gradient in one pass, and the backward only scales the saved gradient. Logits, softmax and
 * loss are float32 (float64 for float64 input) whatever the embeddings' dtype, with the row
 * maximum subtracted.
 */
public final class MarginSoftmax {
    private MarginSoftmax() {
    }

    /**
     * Mean loss over rows of c (B, K) against labels (B) in [0, K) (or -1: a row whose target
     * class is not among these columns contributes its softmax gradient but no loss). When
     * {@code inPlace}, the gradient overwrites c (which then must not be used again): the head
     * owns its logits, so the (B x K) matrix exists only once.
     */
    public static Tensor loss(Tensor cos, Tensor labels, Margin m, boolean inPlace) {
        if (cos.dim() != 2 || labels.dim() != 1 || labels.size(0) != cos.size(0)) {
            throw new IllegalArgumentException("margin softmax expects cosines (B, K) and labels (B), got " + cos.describe() + " and "
                    + labels.describe());
        }
        Tensor c = cos.dtype() == DType.F64 || cos.dtype() == DType.F32 ? cos : cos.to(DType.F32);
        c = c.contiguous();
        int b = c.size(0);
        boolean needGrad = GradMode.needsGrad(cos);
        Tensor rows = c.newEmpty(c.dtype(), b);
        Tensor grad = needGrad ? (inPlace && c == cos ? cos.detach() : c.newEmpty(c.dtype(), c.shape())) : null;
        MarginCrossEntropyKernel kernel = ExtensionKernels.get(MarginCrossEntropyKernel.class, c.device());
        kernel.marginCrossEntropy(c.asView(), labels.to(DType.I64).asView(), m.s(), m.m1(), m.m2(), m.m3(), m.gradient() == Margin.Gradient.EXACT,
                m.hardFallback(), 1.0 / b, rows.asView(), grad == null ? null : grad.asView());
        Tensor loss = rows.detach().mean();
        if (!needGrad) {
            return loss;
        }
        Tensor in = c;
        Node node = new Node("marginSoftmax", in) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gc = saved(0);
                double up = g.item();
                Tensor out = up == 1.0 ? gc : gc.mul(up);
                return new Tensor[] {out.to(in.dtype())};
            }
        };
        node.save(grad);
        return loss.withGradFn(node);
    }
}
