package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.DType;
import panface.tensor.RuntimeConfig;
import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.math.VecMath;

/**
 * Float32 elementwise kernels with the Vector API on the heap arrays, split across threads for
 * large tensors. Each entry returns false when the operands do not fit (dtype, layout), and the
 * caller falls back to the reference kernel.
 */
final class VecElementwise {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    /** Elements per task: small tensors stay on the calling thread. */
    static final int GRAIN = 1 << 15;

    private VecElementwise() {
    }

    static boolean f32Contiguous(View... ts) {
        for (View t : ts) {
            if (t != null && (t.dtype() != DType.F32 || !t.isContiguous())) {
                return false;
            }
        }
        return true;
    }

    static float[] data(View t) {
        return Ref.storage(t).floats();
    }

    /** The vector loop of op over contiguous float32 x into out (see {@link CpuKernel#UNARY_VECTOR}). */
    static void unary(UnaryOp op, View x, View out, double a, double b) {
        float[] xs = data(x);
        float[] ys = data(out);
        int xo = x.offset();
        int yo = out.offset();
        float fa = (float) a;
        float fb = (float) b;
        VecUnary.Loops loop = VecUnary.of(op);
        Parallel.forRange(x.numel(), GRAIN, (lo, hi) -> loop.forward(xs, xo, ys, yo, lo, hi, fa, fb));
    }

    /** The vector gradient loop of op over contiguous float32 operands (see {@link CpuKernel#UNARY_BACKWARD_VECTOR}). */
    static void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b) {
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
     * {@link CpuKernel#BINARY_VECTOR}; false when their strides do not merge into rows.
     */
    static boolean binary(BinaryOp op, View a, View b, View out) {
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
    // per iteration); separate loops keep every vector in registers. Broadcast operands are passed
    // as floats: a vector argument of a call C2 does not inline is boxed, once per row.
    private static void row(BinaryOp op, float[] as, int ao, int sa, float[] bs, int bo, int sb, float[] os, int oo, int n) {
        if (sa == 1 && sb == 1) {
            rowVV(op, as, ao, bs, bo, os, oo, n);
        } else if (sa == 1) {
            rowVS(op, as, ao, bs[bo], os, oo, n);
        } else if (sb == 1) {
            rowSV(op, as[ao], bs, bo, os, oo, n);
        } else {
            java.util.Arrays.fill(os, oo, oo + n, (float) ScalarMath.apply(op, as[ao], bs[bo]));
        }
    }

    static void rowVV(BinaryOp op, float[] as, int ao, float[] bs, int bo, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        switch (op) {
            case ADD -> {
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).add(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case MUL -> {
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).mul(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case SUB -> {
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).sub(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            default -> {
                for (; i < up; i += L) {
                    apply(op, FloatVector.fromArray(S, as, ao + i), FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            apply(op, FloatVector.fromArray(S, as, ao + i, m), FloatVector.fromArray(S, bs, bo + i, m)).intoArray(os, oo + i, m);
        }
    }

    // The operation is chosen outside the loops (as in rowVV): apply()'s switch inside a loop
    // leaves C2 a phi of vectors from several branches, which it boxes, one allocation per vector
    // (a broadcast multiply such as PReLU's x * slope allocated more than its output). Each branch
    // broadcasts its own operand: one created before the switch escapes through whichever branch
    // C2 does not inline and is boxed on every call.
    private static void rowVS(BinaryOp op, float[] as, int ao, float ys, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        switch (op) {
            case ADD -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).add(y).intoArray(os, oo + i);
                }
            }
            case SUB -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).sub(y).intoArray(os, oo + i);
                }
            }
            case MUL -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).mul(y).intoArray(os, oo + i);
                }
            }
            case DIV -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    FloatVector.fromArray(S, as, ao + i).div(y).intoArray(os, oo + i);
                }
            }
            case MAX -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    nanMax(FloatVector.fromArray(S, as, ao + i), y).intoArray(os, oo + i);
                }
            }
            case MIN -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    nanMin(FloatVector.fromArray(S, as, ao + i), y).intoArray(os, oo + i);
                }
            }
            default -> {
                FloatVector y = FloatVector.broadcast(S, ys);
                for (; i < up; i += L) {
                    apply(op, FloatVector.fromArray(S, as, ao + i), y).intoArray(os, oo + i);
                }
            }
        }
        for (; i < n; i++) {
            os[oo + i] = (float) ScalarMath.apply(op, as[ao + i], ys);
        }
    }

    private static void rowSV(BinaryOp op, float xs, float[] bs, int bo, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        switch (op) {
            case ADD -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    x.add(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case SUB -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    x.sub(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case MUL -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    x.mul(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case DIV -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    x.div(FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case MAX -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    nanMax(x, FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            case MIN -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    nanMin(x, FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
            default -> {
                FloatVector x = FloatVector.broadcast(S, xs);
                for (; i < up; i += L) {
                    apply(op, x, FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
                }
            }
        }
        for (; i < n; i++) {
            os[oo + i] = (float) ScalarMath.apply(op, xs, bs[bo + i]);
        }
    }

    /**
     * out = act(x + bias) over contiguous float32 rows (bias along the last dimension): the bias
     * is added into the output row and the activation runs over it while it is in cache.
     */
    static void biasActivation(UnaryOp op, View x, View bias, View out, double a, double b) {
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
    static void biasActivationBackward(UnaryOp op, View x, View bias, View gy, View gz, double a, double b) {
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
        Parallel.forRange(rows, Math.max(1, GRAIN / cols), (lo, hi) -> {
            float[] z = new float[cols];
            float[] y = new float[cols];
            for (int r = lo; r < hi; r++) {
                rowVV(BinaryOp.ADD, xs, xo + r * cols, bs, bo, z, 0, cols);
                loop.forward(z, 0, y, 0, 0, cols, fa, fb);
                loop.gradient(z, 0, y, 0, gs, go + r * cols, out, oo + r * cols, 0, cols, fa, fb);
            }
        });
    }

    private static FloatVector apply(BinaryOp op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> nanMax(x, y);
            case MIN -> nanMin(x, y);
            default -> throw new IllegalStateException(op.name());
        };
    }

    private static FloatVector nanMax(FloatVector x, FloatVector y) {
        FloatVector r = x.max(y);
        return r.blend(x, x.test(jdk.incubator.vector.VectorOperators.IS_NAN)).blend(y, y.test(jdk.incubator.vector.VectorOperators.IS_NAN));
    }

    private static FloatVector nanMin(FloatVector x, FloatVector y) {
        FloatVector r = x.min(y);
        return r.blend(x, x.test(jdk.incubator.vector.VectorOperators.IS_NAN)).blend(y, y.test(jdk.incubator.vector.VectorOperators.IS_NAN));
    }
}
