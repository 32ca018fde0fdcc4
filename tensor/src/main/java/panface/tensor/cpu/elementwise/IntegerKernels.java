package panface.tensor.cpu.elementwise;

import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.cpu.runtime.Ref;

/**
 * 64-bit integer ADD, SUB and MUL on the arrays, for contiguous operands or a single broadcast
 * value (such as batch normalisation's step counter plus one); false for anything else. Results
 * wrap as the reference's long arithmetic does.
 */
public final class IntegerKernels {
    private IntegerKernels() {
    }

    /** ADD, SUB or MUL of int64 operands as {@link panface.tensor.cpu.CpuKernel#BINARY_INTEGER} states them. */
    public static void binaryInt(BinaryOp op, View a, View b, View out) {
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
            os[oo + i] = op.apply(x, y);
        }
    }

    /** A single value, or contiguous with out's shape. */
    public static boolean operand(View t, View out) {
        return t.numel() == 1 || (t.isContiguous() && java.util.Arrays.equals(t.shape(), out.shape()));
    }
}
