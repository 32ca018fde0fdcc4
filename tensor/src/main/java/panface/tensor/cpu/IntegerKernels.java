package panface.tensor.cpu;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;

/**
 * 64-bit integer ADD, SUB and MUL on the arrays, for contiguous operands or a single broadcast
 * value (such as batch normalisation's step counter plus one); false for anything else. Results
 * wrap as the reference's long arithmetic does.
 */
final class IntegerKernels {
    private IntegerKernels() {
    }

    static boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if ((op != BinaryOp.ADD && op != BinaryOp.SUB && op != BinaryOp.MUL) || a.dtype() != DType.I64 || b.dtype() != DType.I64
                || out.dtype() != DType.I64 || !out.isContiguous() || !operand(a, out) || !operand(b, out)) {
            return false;
        }
        long[] as = Ref.storage(a).longs();
        long[] bs = Ref.storage(b).longs();
        long[] os = Ref.storage(out).longs();
        int sa = a.numel() == 1 ? 0 : 1;
        int sb = b.numel() == 1 ? 0 : 1;
        int ao = a.offset();
        int bo = b.offset();
        int oo = out.offset();
        for (int i = 0; i < out.numel(); i++) {
            long x = as[ao + i * sa];
            long y = bs[bo + i * sb];
            os[oo + i] = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                default -> x * y;
            };
        }
        return true;
    }

    /** A single value, or contiguous with out's shape. */
    private static boolean operand(Tensor t, Tensor out) {
        return t.numel() == 1 || (t.isContiguous() && java.util.Arrays.equals(t.shape(), out.shape()));
    }
}
