package panface.tensor.cpu.elementwise;

import panface.tensor.backend.BinaryOp;

/**
 * The float32 row loops of each binary op over its {@linkplain BinaryOp#vector vector form}. As
 * {@link VecUnary}, the loops are written once, in {@link VecBinaryLoop},
 * and cloned per op as a hidden class with the op as a constant ({@link LoopClones}), so that C2
 * inlines the op into loops of their own (a vector form called from a loop shared by several ops
 * is not inlined, and its vectors are boxed, one allocation per vector). A clone is made on an op's
 * first use.
 */
final class VecBinary {
    private static final LoopClones<BinaryOp, Loops> CLONES = new LoopClones<>(VecBinaryLoop.class, Loops.class, BinaryOp.class);

    private VecBinary() {
    }

    /**
     * The row loops of one op, which needs a {@linkplain BinaryOp#hasVectorForm vector form}: the
     * operands' rows are contiguous (V) or one broadcast value (S), passed as a float, since a
     * vector argument of a call C2 does not inline is boxed, once per row.
     */
    interface Loops {
        /** out = a op b over n contiguous elements of each. */
        void rowVV(float[] as, int ao, float[] bs, int bo, float[] os, int oo, int n);

        /** out = a op y over n contiguous elements of a. */
        void rowVS(float[] as, int ao, float y, float[] os, int oo, int n);

        /** out = x op b over n contiguous elements of b. */
        void rowSV(float x, float[] bs, int bo, float[] os, int oo, int n);
    }

    /** The loops of an op with a vector form. */
    static Loops of(BinaryOp op) {
        if (!op.hasVectorForm()) {
            throw new IllegalArgumentException(op + " has no vector form");
        }
        return CLONES.of(op);
    }
}
