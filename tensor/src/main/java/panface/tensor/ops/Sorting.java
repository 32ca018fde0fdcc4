package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.ValuesIndices;

/** sort, argsort, topk and searchsorted (results carry no gradient). */
public final class Sorting {
    private Sorting() {
    }

    private static Tensor toLast(Tensor x, int d) {
        return d == x.dim() - 1 ? x.detach().contiguous() : x.detach().transpose(d, x.dim() - 1).contiguous();
    }

    private static Tensor fromLast(Tensor y, int d) {
        return d == y.dim() - 1 ? y : y.transpose(d, y.dim() - 1).contiguous();
    }

    public static ValuesIndices sort(Tensor x, int dim, boolean descending) {
        if (x.dim() == 0) {
            return new ValuesIndices(x.detach().copy(), Tensor.zeros(DType.I64));
        }
        int d = Shape.dim(dim, x.dim());
        Tensor src = toLast(x, d);
        Tensor values = src.newEmpty(x.dtype(), src.shape());
        Tensor indices = src.newEmpty(DType.I64, src.shape());
        src.backend().sort(operand(src), descending, operand(values), operand(indices));
        return new ValuesIndices(fromLast(values, d), fromLast(indices, d));
    }

    public static ValuesIndices topk(Tensor x, int k, int dim, boolean largest) {
        int d = Shape.dim(dim, x.dim());
        Tensor src = toLast(x, d);
        int[] s = src.shape();
        if (k < 0 || k > s[s.length - 1]) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for dimension " + d + " of " + x.describe());
        }
        s[s.length - 1] = k;
        Tensor values = src.newEmpty(x.dtype(), s);
        Tensor indices = src.newEmpty(DType.I64, s);
        src.backend().topk(operand(src), k, largest, operand(values), operand(indices));
        return new ValuesIndices(fromLast(values, d), fromLast(indices, d));
    }

    public static Tensor searchsorted(Tensor sorted, Tensor values, boolean right) {
        if (sorted.dim() == 0) {
            throw new IllegalArgumentException("searchsorted: the sorted sequence must have at least one dimension");
        }
        if (sorted.dim() > 1) {
            int[] ss = sorted.shape();
            int[] vs = values.shape();
            if (vs.length != ss.length || !java.util.Arrays.equals(java.util.Arrays.copyOf(ss, ss.length - 1),
                    java.util.Arrays.copyOf(vs, vs.length - 1))) {
                throw new IllegalArgumentException("searchsorted: leading dimensions of " + sorted.describe() + " and " + values.describe()
                        + " must match");
            }
        }
        Tensor out = values.newEmpty(DType.I64, values.shape());
        sorted.backend().searchsorted(sorted.detach().contiguous().asView(), values.detach().contiguous().asView(), right, operand(out));
        return out;
    }
}
