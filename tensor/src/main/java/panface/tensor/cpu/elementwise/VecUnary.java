package panface.tensor.cpu.elementwise;

import panface.tensor.backend.UnaryOp;

/**
 * The float32 vector loops of each unary op, over its {@linkplain UnaryOp#vector vector form}.
 *
 * <p>The JIT inlines an op's vector math only into a loop of its own: one loop shared by every op
 * would call the op's form through a megamorphic virtual call, which neither inlines nor keeps the
 * vectors in registers (each would be boxed on the heap). So the loops are written once, in
 * {@link VecUnaryLoop}, and that class is cloned per op as a hidden class whose class data is the
 * op ({@link LoopClones}): in each clone the op is a {@code static final} constant, C2 binds the
 * call to the op's own method, inlines it, and the clone keeps a type profile of its own. This
 * takes the place of writing (or generating) a loop per op. A clone is made on an op's first use.
 */
public final class VecUnary {
    private static final LoopClones<UnaryOp, Loops> CLONES = new LoopClones<>(VecUnaryLoop.class, Loops.class, UnaryOp.class);

    private VecUnary() {
    }

    /** The vector loops of one op over [lo, hi) of contiguous float32 arrays at the given offsets. */
    public interface Loops {
        /** y = op(x). */
        void forward(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b);

        /** out = g * op'(x) given y = op(x) (the op's {@linkplain UnaryOp#vectorGradient gradient form}). */
        void gradient(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b);
    }

    /** True for the ops with vector loops: all but the predicates. */
    public static boolean supports(UnaryOp op) {
        return !op.isPredicate();
    }

    /** The loops of an op that {@link #supports} has them. */
    public static Loops of(UnaryOp op) {
        if (!supports(op)) {
            throw new IllegalArgumentException(op + " has no vector form");
        }
        return CLONES.of(op);
    }
}
