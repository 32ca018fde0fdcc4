package panface.tensor.cpu.elementwise;

import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Rows;

/**
 * Float32 comparisons into BOOL and where(cond, a, b) into float32, row by row over operands whose
 * last dimension, after merging the dimensions their layouts allow ({@link Rows#layout}), is
 * contiguous or broadcast (stride 1 or 0; the other dimensions any strides).
 * The reference kernels copy every operand into a double[] (or long[]) through an int[] of
 * element offsets, several times the output's size in garbage: PReLU, which is where(x > 0, x,
 * slope * x), made the embeddings of a small MobileFaceNet mostly garbage collection.
 * Results are the reference's: float comparisons are exact in double, and where only selects.
 */
public final class SelectKernels {
    private static final int GRAIN = 1 << 14;

    private SelectKernels() {
    }

    /** a op b for a comparison op on float32 operands into a contiguous BOOL output ({@link panface.tensor.cpu.CpuKernel#BINARY_COMPARE}); false when the strides do not merge into rows. */
    public static boolean binaryPred(BinaryOp op, View a, View b, View out) {
        Rows.Layout l = layout(out, a, b);
        if (l == null) {
            return false;
        }
        float[] as = storage(a).floats();
        float[] bs = storage(b).floats();
        byte[] os = storage(out).bools();
        int sa = l.lastStrides()[0];
        int sb = l.lastStrides()[1];
        forRows(out, l, (offsets, o, n) -> {
            int ao = offsets[0];
            int bo = offsets[1];
            for (int j = 0; j < n; j++) {
                os[o + j] = test(op, as[ao + j * sa], bs[bo + j * sb]) ? (byte) 1 : (byte) 0;
            }
        });
        return true;
    }

    // The comparisons spelled again in float32 rather than through BinaryOp's double reference:
    // with the reference (widened operands, its 1 or 0 tested against 0) this loop was measurably
    // slower, even cloned per op as VecBinary's loops are, while the switch on the loop-invariant
    // op costs little. Float comparisons are exact in double, so the results are the reference's.
    private static boolean test(BinaryOp op, float x, float y) {
        return switch (op) {
            case EQ -> x == y;
            case NE -> x != y;
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
            default -> throw new IllegalStateException(op.name());
        };
    }

    /** cond ? a : b with a BOOL condition and float32 values into a contiguous float32 output ({@link panface.tensor.cpu.CpuKernel#WHERE_ROWS}); false when the strides do not merge into rows. */
    public static boolean where(View cond, View a, View b, View out) {
        Rows.Layout l = layout(out, cond, a, b);
        if (l == null) {
            return false;
        }
        byte[] cs = storage(cond).bools();
        float[] as = storage(a).floats();
        float[] bs = storage(b).floats();
        float[] os = storage(out).floats();
        int sc = l.lastStrides()[0];
        int sa = l.lastStrides()[1];
        int sb = l.lastStrides()[2];
        forRows(out, l, (offsets, o, n) -> {
            int co = offsets[0];
            int ao = offsets[1];
            int bo = offsets[2];
            for (int j = 0; j < n; j++) {
                os[o + j] = cs[co + j * sc] != 0 ? as[ao + j * sa] : bs[bo + j * sb];
            }
        });
        return true;
    }

    private static CpuStorage storage(View t) {
        return (CpuStorage) t.storage();
    }

    /** A contiguous, non-scalar output and inputs of its shape whose last stride is 0 or 1. */
    public static boolean rowsApply(View out, View... in) {
        if (!out.isContiguous() || out.dim() == 0 || !(out.storage() instanceof CpuStorage)) {
            return false;
        }
        for (View t : in) {
            if (t.dim() != out.dim() || !java.util.Arrays.equals(t.shape(), out.shape()) || !(t.storage() instanceof CpuStorage)) {
                return false;
            }
            int s = t.stride(-1);
            if (s != 0 && s != 1) {
                return false;
            }
        }
        return true;
    }

    @FunctionalInterface
    private interface RowBody {
        void run(int[] inputOffsets, int outOffset, int n);
    }

    /** The inputs' rows over their merged layout (the output is contiguous, so its row r starts at r * cols). */
    private static Rows.Layout layout(View out, View... in) {
        int[][] strides = new int[in.length][];
        int[] offsets = new int[in.length];
        for (int k = 0; k < in.length; k++) {
            strides[k] = in[k].strides();
            offsets[k] = in[k].offset();
        }
        return Rows.layout(out.shape(), strides, offsets);
    }

    /** Runs body on each row of the output, in parallel over rows. */
    private static void forRows(View out, Rows.Layout l, RowBody body) {
        int cols = l.cols();
        int rows = cols == 0 ? 0 : out.numel() / cols;
        if (rows == 0) {
            return;
        }
        int[][] starts = l.starts();
        int oo = out.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, cols)), (lo, hi) -> {
            int[] offsets = new int[starts.length];
            for (int r = lo; r < hi; r++) {
                for (int k = 0; k < starts.length; k++) {
                    offsets[k] = starts[k][r];
                }
                body.run(offsets, oo + r * cols, cols);
            }
        });
    }
}
