package panface.tensor.cpu.elementwise;

import java.lang.invoke.MethodHandles;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.backend.BinaryOp;
import panface.tensor.math.VecMath;

/**
 * The template of one binary op's row loops: {@link VecBinary} defines a hidden-class copy of
 * these bytes per op, with the op as class data, and only those copies are ever instantiated.
 * The tails after the last whole vector are those the loops had before: a masked vector for two
 * contiguous rows, the double reference rounded to float beside a broadcast value.
 */
final class VecBinaryLoop implements VecBinary.Loops {
    /** This copy's op: a constant the JIT binds {@code OP.vector(...)} and {@code OP.apply(...)} to, and inlines. */
    private static final BinaryOp OP = LoopClones.op(MethodHandles.lookup(), BinaryOp.class);
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();


    @Override
    public void rowVV(float[] as, int ao, float[] bs, int bo, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        for (; i < up; i += L) {
            OP.vector(FloatVector.fromArray(S, as, ao + i), FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            OP.vector(FloatVector.fromArray(S, as, ao + i, m), FloatVector.fromArray(S, bs, bo + i, m)).intoArray(os, oo + i, m);
        }
    }

    @Override
    public void rowVS(float[] as, int ao, float ys, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        FloatVector y = FloatVector.broadcast(S, ys);
        for (; i < up; i += L) {
            OP.vector(FloatVector.fromArray(S, as, ao + i), y).intoArray(os, oo + i);
        }
        for (; i < n; i++) {
            os[oo + i] = (float) OP.apply((double) as[ao + i], (double) ys);
        }
    }

    @Override
    public void rowSV(float xs, float[] bs, int bo, float[] os, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        FloatVector x = FloatVector.broadcast(S, xs);
        for (; i < up; i += L) {
            OP.vector(x, FloatVector.fromArray(S, bs, bo + i)).intoArray(os, oo + i);
        }
        for (; i < n; i++) {
            os[oo + i] = (float) OP.apply((double) xs, (double) bs[bo + i]);
        }
    }
}
