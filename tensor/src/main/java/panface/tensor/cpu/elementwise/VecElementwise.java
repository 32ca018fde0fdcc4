package panface.tensor.cpu.elementwise;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.RuntimeConfig;
import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.Rows;

/**
 * Float32 elementwise kernels with the Vector API on the heap arrays, split across threads for
 * large tensors. Each entry returns false when the operands do not fit (dtype, layout), and the
 * caller falls back to the reference kernel.
 */
public final class VecElementwise {
    /** Elements per task: small tensors stay on the calling thread. */
    public static final int GRAIN = 1 << 15;

    private VecElementwise() {
    }

    public static boolean f32Contiguous(View... ts) {
        for (View t : ts) {
            if (t != null && (t.dtype() != DType.F32 || !t.isContiguous())) {
                return false;
            }
        }
        return true;
    }

    public static float[] data(View t) {
        return Ref.storage(t).floats();
    }

    /** The vector loop of op over contiguous float32 x into out (see {@link panface.tensor.cpu.CpuKernel#UNARY_VECTOR}). */
    public static void unary(UnaryOp op, View x, View out, double a, double b) {
        float[] xs = data(x);
        float[] ys = data(out);
        int xo = x.offset();
        int yo = out.offset();
        float fa = (float) a;
        float fb = (float) b;
        VecUnary.Loops loop = VecUnary.of(op);
        Parallel.forRange(x.numel(), GRAIN, (lo, hi) -> loop.forward(xs, xo, ys, yo, lo, hi, fa, fb));
    }

    /** The vector gradient loop of op over contiguous float32 operands (see {@link panface.tensor.cpu.CpuKernel#UNARY_BACKWARD_VECTOR}). */
    public static void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b) {
        float[] xs = data(x);
        float[] ys = data(y);
        float[] gs = data(gy);
        float[] out = data(gx);
        int xo = x.offset();
        int yo = y.offset();
        int go = gy.offset();
        int oo = gx.offset();
        float fa = (float) a;
        float fb = (float) b;
        VecUnary.Loops loop = VecUnary.of(op);
        Parallel.forRange(x.numel(), GRAIN, (lo, hi) -> loop.gradient(xs, xo, ys, yo, gs, go, out, oo, lo, hi, fa, fb));
    }

    /**
     * a op b for float arithmetic where every operand's last dimension is contiguous or broadcast
     * (stride 0): rows of the output are produced with vector loops. The operands are those of
     * {@link panface.tensor.cpu.CpuKernel#BINARY_VECTOR}; false when their strides do not merge into rows.
     */
    public static boolean binary(BinaryOp op, View a, View b, View out) {
        // an operand strided along its last dimension (a transposed view) is first packed by the
        // blocked copy kernel: one extra pass, far cheaper than element-by-element indexing
        boolean packA = a.stride(-1) > 1;
        boolean packB = b.stride(-1) > 1;
        if ((packA && !packable(a)) || (packB && !packable(b))) {
            return false;   // the indexed path, without packing the other operand for nothing
        }
        View pa = packA ? packed(a) : null;
        View pb = packB ? packed(b) : null;
        try {
            return binaryRows(op, pa != null ? pa : a, pb != null ? pb : b, out);
        } finally {
            if (pa != null) {
                pa.storage().close();
            }
            if (pb != null) {
                pb.storage().close();
            }
        }
    }

    /** Largest operand packed (bytes): bigger ones take the indexed path rather than raise peak memory by their size. */
    private static final long PACK_LIMIT = RuntimeConfig.startup().packLimitBytes();

    private static boolean packable(View t) {
        return 4L * t.numel() <= PACK_LIMIT;
    }

    private static View packed(View t) {
        return CopyKernels.packed(t);
    }

    private static boolean binaryRows(BinaryOp op, View a, View b, View out) {
        if ((a.stride(-1) != 0 && a.stride(-1) != 1) || (b.stride(-1) != 0 && b.stride(-1) != 1)) {
            return false;
        }
        if (out.numel() == 0) {
            return true;
        }
        // rows over the merged layout: a broadcast over (H, W) is one row of H * W, not H rows of W
        // (longer vector loops, and one start offset per long row rather than per short one)
        Rows.Layout l = Rows.layout(out.shape(), new int[][] {a.strides(), b.strides()}, new int[] {a.offset(), b.offset()});
        if (l == null) {
            return false;
        }
        float[] as = data(a);
        float[] bs = data(b);
        float[] os = data(out);
        int[] aRow = l.starts()[0];
        int[] bRow = l.starts()[1];
        int sa = l.lastStrides()[0];
        int sb = l.lastStrides()[1];
        int cols = l.cols();
        int rows = out.numel() / cols;
        int oo = out.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, cols)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                row(op, as, aRow[r], sa, bs, bRow[r], sb, os, oo + r * cols, cols);
            }
        });
        return true;
    }

    // Three loops rather than one with "broadcast or load" choices inside: a vector that is either
    // a loop invariant or a fresh load is a phi of two vector values, which C2 boxes (an allocation
    // per iteration); separate loops keep every vector in registers. Each op has loops of its own
    // (VecBinary), in which its vector form is inlined.
    private static void row(BinaryOp op, float[] as, int ao, int sa, float[] bs, int bo, int sb, float[] os, int oo, int n) {
        VecBinary.Loops loops = VecBinary.of(op);
        if (sa == 1 && sb == 1) {
            loops.rowVV(as, ao, bs, bo, os, oo, n);
        } else if (sa == 1) {
            loops.rowVS(as, ao, bs[bo], os, oo, n);
        } else if (sb == 1) {
            loops.rowSV(as[ao], bs, bo, os, oo, n);
        } else {
            java.util.Arrays.fill(os, oo, oo + n, (float) op.apply((double) as[ao], (double) bs[bo]));
        }
    }

    /** out = a op b over n contiguous float32 elements of each, for an op with a {@linkplain BinaryOp#hasVectorForm vector form}. */
    public static void rowVV(BinaryOp op, float[] as, int ao, float[] bs, int bo, float[] os, int oo, int n) {
        VecBinary.of(op).rowVV(as, ao, bs, bo, os, oo, n);
    }

    /**
     * out = act(x + bias) over contiguous float32 rows (bias along the last dimension): the bias
     * is added into the output row and the activation runs over it while it is in cache.
     */
    public static void biasAct(UnaryOp op, View x, View bias, View out, double a, double b) {
        float[] xs = data(x);
        float[] bs = data(bias);
        float[] ys = data(out);
        int xo = x.offset();
        int bo = bias.offset();
        int yo = out.offset();
        int cols = bias.numel();
        int rows = x.numel() / cols;
        float fa = (float) a;
        float fb = (float) b;
        VecUnary.Loops loop = VecUnary.of(op);
        Parallel.forRange(rows, Math.max(1, GRAIN / cols), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                rowVV(BinaryOp.ADD, xs, xo + r * cols, bs, bo, ys, yo + r * cols, cols);
                loop.forward(ys, yo + r * cols, ys, yo + r * cols, 0, cols, fa, fb);
            }
        });
    }

    /** gz = gy * act'(x + bias) over contiguous float32 rows, x + bias and act(x + bias) recomputed per row. */
    public static void biasActBackward(UnaryOp op, View x, View bias, View gy, View gz, double a, double b) {
        biasActBackward(op, x, bias, gy, gz, null, a, b);
    }

    /**
     * As above, and when gbias is not null, gbias = the column sums of gz (the bias gradient),
     * added up while each row of gz is in cache rather than in a second pass over it. The rows go
     * in fixed groups of about sqrt(rows), each group summed apart and the groups' sums then added
     * in order (as {@code ColumnSums} does), so the bits do not depend on the threads.
     */
    public static void biasActBackward(UnaryOp op, View x, View bias, View gy, View gz, View gbias, double a, double b) {
        float[] xs = data(x);
        float[] bs = data(bias);
        float[] gs = data(gy);
        float[] out = data(gz);
        int xo = x.offset();
        int bo = bias.offset();
        int go = gy.offset();
        int oo = gz.offset();
        int cols = bias.numel();
        int rows = x.numel() / cols;
        float fa = (float) a;
        float fb = (float) b;
        VecUnary.Loops loop = VecUnary.of(op);
        int group = gbias == null ? 1 : Math.max(1, (int) Math.sqrt(rows));
        int groups = (rows + group - 1) / group;
        float[] sums = gbias == null ? null : new float[groups * cols];
        Parallel.forRange(groups, Math.max(1, GRAIN / cols / group), (lo, hi) -> {
            float[] z = new float[cols];
            float[] y = new float[cols];
            for (int r = lo * group; r < Math.min(rows, hi * group); r++) {
                rowVV(BinaryOp.ADD, xs, xo + r * cols, bs, bo, z, 0, cols);
                loop.forward(z, 0, y, 0, 0, cols, fa, fb);
                loop.gradient(z, 0, y, 0, gs, go + r * cols, out, oo + r * cols, 0, cols, fa, fb);
                if (sums != null) {
                    rowVV(BinaryOp.ADD, sums, r / group * cols, out, oo + r * cols, sums, r / group * cols, cols);
                }
            }
        });
        if (gbias != null) {
            float[] gb = data(gbias);
            int gbo = gbias.offset();
            Arrays.fill(gb, gbo, gbo + cols, 0f);
            for (int g = 0; g < groups; g++) {
                rowVV(BinaryOp.ADD, gb, gbo, sums, g * cols, gb, gbo, cols);
            }
        }
    }
}
