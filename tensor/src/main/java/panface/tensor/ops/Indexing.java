package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** indexSelect, gather, scatterAdd and embedding, with gradients. */
public final class Indexing {
    private Indexing() {
    }

    private static void checkIndex(String op, Tensor index) {
        if (index.dtype() != DType.I64 && index.dtype() != DType.I32) {
            throw new IllegalArgumentException(op + ": indices must be I64 or I32, got " + index.describe());
        }
    }

    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex("indexSelect", index);
        if (index.dim() > 1) {
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got " + index.describe());
        }
        int d = Shape.dim(dim, x.dim());
        int[] os = x.shape();
        os[d] = index.numel();
        Tensor out = x.newEmpty(x.dtype(), os);
        Tensor idx = index.reshape(index.numel());
        x.backend().indexSelect(x.detach().contiguous().asView(), d, operand(idx), operand(out));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int[] xs = x.shape();
        return out.withGradFn(new Node("indexSelect", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().indexAdd(operand(gx), d, operand(idx), g.contiguous().asView());
                return new Tensor[] {gx};
            }
        });
    }

    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex("gather", index);
        int d = Shape.dim(dim, x.dim());
        Tensor out = x.newEmpty(x.dtype(), index.shape());
        x.backend().gather(x.detach().contiguous().asView(), d, operand(index), operand(out));
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int[] xs = x.shape();
        return out.withGradFn(new Node("gather", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().scatterAdd(operand(gx), d, operand(index), g.contiguous().asView());
                return new Tensor[] {gx};
            }
        });
    }

    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        checkIndex("scatterAdd", index);
        int d = Shape.dim(dim, x.dim());
        DType t = DType.promote(x.dtype(), src.dtype());
        Tensor out = x.detach().to(t).copy();
        x.backend().scatterAdd(operand(out), d, operand(index), src.detach().to(t).contiguous().asView());
        if (!GradMode.needsGrad(x, src)) {
            return out;
        }
        return out.withGradFn(new Node("scatterAdd", x, src) {
            @Override
            public Tensor[] backward(Tensor g) {
                return new Tensor[] {
                    needs(0) ? g.to(input(0).dtype()) : null,
                    needs(1) ? gather(g, d, index).to(input(1).dtype()) : null
                };
            }
        });
    }

    public static Tensor embedding(Tensor indices, Tensor weight) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding: weight must be (V, E), got " + weight.describe());
        }
        int[] is = indices.shape();
        int[] os = java.util.Arrays.copyOf(is, is.length + 1);
        os[is.length] = weight.size(1);
        return indexSelect(weight, 0, indices.reshape(indices.numel())).reshape(os);
    }
}
