package panface.tensor.cpu.elementwise;

import java.lang.invoke.MethodHandles;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.backend.UnaryOp;
import panface.tensor.math.VecMath;

/**
 * The template of one unary op's vector loops: {@link VecUnary} defines a hidden-class copy of
 * these bytes per op, with the op as class data, and only those copies are ever instantiated.
 */
final class VecUnaryLoop implements VecUnary.Loops {
    /** This copy's op: a constant the JIT binds {@code OP.vector(...)} to, and inlines. */
    private static final UnaryOp OP = LoopClones.op(MethodHandles.lookup(), UnaryOp.class);
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();


    @Override
    public void forward(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            OP.vector(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            OP.vector(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    @Override
    public void gradient(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            OP.vectorGradient(FloatVector.fromArray(S, g, go + i), xv, yv, a, b).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            OP.vectorGradient(FloatVector.fromArray(S, g, go + i, m), xv, yv, a, b).intoArray(out, oo + i, m);
        }
    }
}
