package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.backend.UnaryOp;

/**
 * One small loop method per unary op and per derivative, so that the JIT compiles each loop with
 * its vector math inlined (a shared loop calling a large switch would not inline and would box
 * every vector). The math itself is {@link VecMath}'s; {@code VecMath.apply}/{@code derivative}
 * remain the readable single-switch form used by the tests.
 */
final class VecUnary {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float TWO_OVER_SQRT_PI = (float) (2.0 / Math.sqrt(Math.PI));

    private VecUnary() {
    }

    /** A forward loop over [lo, hi) of contiguous arrays. */
    @FunctionalInterface
    interface Loop {
        void run(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b);
    }

    /** A derivative loop: gx = gy * op'(x). */
    @FunctionalInterface
    interface GradLoop {
        void run(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b);
    }

    private static FloatVector fNeg(FloatVector x, float a, float b) {
        return x.neg();
    }

    static void neg(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fNeg(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fNeg(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dNeg(FloatVector x, FloatVector y, float a, float b) {
        return x.broadcast(-1f);
    }

    static void negGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dNeg(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dNeg(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fExp(FloatVector x, float a, float b) {
        return VecReproducible.exp(x);
    }

    static void exp(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fExp(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fExp(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dExp(FloatVector x, FloatVector y, float a, float b) {
        return y;
    }

    static void expGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dExp(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dExp(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fLog(FloatVector x, float a, float b) {
        return VecReproducible.log(x);
    }

    static void log(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fLog(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fLog(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    // gy / x rather than gy * (1 / x), as PyTorch's log backward: 1 / x overflows for subnormal x
    // (below 2.9e-39), where the quotient is still finite
    static void logGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector.fromArray(S, g, go + i).div(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector.fromArray(S, g, go + i, m).div(FloatVector.fromArray(S, x, xo + i, m)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSqrt(FloatVector x, float a, float b) {
        return x.sqrt();
    }

    static void sqrt(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSqrt(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSqrt(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSqrt(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        return one.mul(0.5f).div(y);
    }

    static void sqrtGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSqrt(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSqrt(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fRsqrt(FloatVector x, float a, float b) {
        return x.broadcast(1f).div(x.sqrt());
    }

    static void rsqrt(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fRsqrt(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fRsqrt(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dRsqrt(FloatVector x, FloatVector y, float a, float b) {
        return y.mul(y).mul(y).mul(-0.5f);
    }

    static void rsqrtGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dRsqrt(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dRsqrt(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fAbs(FloatVector x, float a, float b) {
        return x.abs();
    }

    static void abs(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fAbs(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fAbs(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dAbs(FloatVector x, FloatVector y, float a, float b) {
        return VecMath.absDerivative(x);
    }

    static void absGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dAbs(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dAbs(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSign(FloatVector x, float a, float b) {
        return VecMath.sign(x);
    }

    static void sign(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSign(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSign(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSign(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        return zero;
    }

    static void signGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSign(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSign(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fReciprocal(FloatVector x, float a, float b) {
        return x.broadcast(1f).div(x);
    }

    static void reciprocal(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fReciprocal(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fReciprocal(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dReciprocal(FloatVector x, FloatVector y, float a, float b) {
        return y.mul(y).neg();
    }

    static void reciprocalGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dReciprocal(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dReciprocal(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSquare(FloatVector x, float a, float b) {
        return x.mul(x);
    }

    static void square(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSquare(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSquare(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSquare(FloatVector x, FloatVector y, float a, float b) {
        return x.mul(2f);
    }

    static void squareGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSquare(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSquare(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSin(FloatVector x, float a, float b) {
        return VecReproducible.strict(VecReproducible.Strict.SIN, x);
    }

    static void sin(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSin(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSin(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSin(FloatVector x, FloatVector y, float a, float b) {
        return VecReproducible.strict(VecReproducible.Strict.COS, x);
    }

    static void sinGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSin(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSin(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fCos(FloatVector x, float a, float b) {
        return VecReproducible.strict(VecReproducible.Strict.COS, x);
    }

    static void cos(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fCos(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fCos(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dCos(FloatVector x, FloatVector y, float a, float b) {
        return VecReproducible.strict(VecReproducible.Strict.SIN, x).neg();
    }

    static void cosGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dCos(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dCos(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fAcos(FloatVector x, float a, float b) {
        return VecReproducible.strict(VecReproducible.Strict.ACOS, x);
    }

    static void acos(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fAcos(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fAcos(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dAcos(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        return one.div(one.sub(x).mul(one.add(x)).sqrt()).neg();
    }

    static void acosGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dAcos(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dAcos(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fRelu(FloatVector x, float a, float b) {
        return VecMath.keepNaN(x, x.max(0f));
    }

    static void relu(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fRelu(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fRelu(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dRelu(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        FloatVector one = x.broadcast(1f);
        return zero.blend(one, x.compare(VectorOperators.GT, 0f));
    }

    static void reluGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dRelu(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dRelu(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fRelu6(FloatVector x, float a, float b) {
        return VecMath.keepNaN(x, x.max(0f).min(6f));
    }

    static void relu6(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fRelu6(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fRelu6(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dRelu6(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        FloatVector one = x.broadcast(1f);
        return zero.blend(one, x.compare(VectorOperators.GT, 0f).and(x.compare(VectorOperators.LT, 6f)));
    }

    static void relu6Grad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dRelu6(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dRelu6(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fLeakyRelu(FloatVector x, float a, float b) {
        return x.blend(x.mul(a), x.compare(VectorOperators.LE, 0f));
    }

    static void leakyRelu(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fLeakyRelu(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fLeakyRelu(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dLeakyRelu(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        return x.broadcast(a).blend(one, x.compare(VectorOperators.GT, 0f));
    }

    static void leakyReluGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dLeakyRelu(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dLeakyRelu(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSigmoid(FloatVector x, float a, float b) {
        return VecMath.sigmoid(x);
    }

    static void sigmoid(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSigmoid(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSigmoid(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSigmoid(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        return y.mul(one.sub(y));
    }

    static void sigmoidGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSigmoid(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSigmoid(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fTanh(FloatVector x, float a, float b) {
        return VecReproducible.tanh(x);
    }

    static void tanh(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fTanh(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fTanh(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dTanh(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        return one.sub(y.mul(y));
    }

    static void tanhGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dTanh(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dTanh(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fSilu(FloatVector x, float a, float b) {
        return x.mul(VecMath.sigmoid(x));
    }

    static void silu(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fSilu(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fSilu(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dSilu(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        FloatVector s = VecMath.sigmoid(x);
        return s.mul(x.mul(one.sub(s)).add(1f));
    }

    static void siluGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dSilu(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dSilu(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fGelu(FloatVector x, float a, float b) {
        return VecMath.gelu(x);
    }

    static void gelu(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fGelu(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fGelu(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dGelu(FloatVector x, FloatVector y, float a, float b) {
        return VecMath.geluDerivative(x);
    }

    static void geluGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dGelu(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dGelu(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fGeluTanh(FloatVector x, float a, float b) {
        FloatVector inner = x.mul(x).mul(0.044715f * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI).mul(x);
        return x.mul(0.5f).mul(VecReproducible.tanh(inner).add(1f));
    }

    static void geluTanh(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fGeluTanh(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fGeluTanh(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dGeluTanh(FloatVector x, FloatVector y, float a, float b) {
        FloatVector one = x.broadcast(1f);
        FloatVector x2 = x.mul(x);
        FloatVector t = VecReproducible.tanh(x2.mul(0.044715f * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI).mul(x));
        FloatVector dInner = x2.mul(3f * 0.044715f * SQRT_2_OVER_PI).add(SQRT_2_OVER_PI);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(one.sub(t.mul(t))).mul(dInner));
    }

    static void geluTanhGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dGeluTanh(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dGeluTanh(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fHardswish(FloatVector x, float a, float b) {
        return x.mul(x.add(3f).max(0f).min(6f)).div(6f);
    }

    static void hardswish(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fHardswish(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fHardswish(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dHardswish(FloatVector x, FloatVector y, float a, float b) {
        return VecMath.hardswishDerivative(x);
    }

    static void hardswishGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dHardswish(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dHardswish(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fHardsigmoid(FloatVector x, float a, float b) {
        return x.add(3f).max(0f).min(6f).div(6f);
    }

    static void hardsigmoid(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fHardsigmoid(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fHardsigmoid(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dHardsigmoid(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        return zero.blend(x.broadcast(1.0f / 6.0f),
                    x.compare(VectorOperators.GT, -3f).and(x.compare(VectorOperators.LT, 3f)));
    }

    static void hardsigmoidGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dHardsigmoid(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dHardsigmoid(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fPow(FloatVector x, float a, float b) {
        return VecReproducible.pow(x, a);
    }

    static void pow(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fPow(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fPow(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dPow(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        return a == 0f ? zero : VecReproducible.pow(x, a - 1f).mul(a);
    }

    static void powGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dPow(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dPow(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fClamp(FloatVector x, float a, float b) {
        return VecMath.keepNaN(x, x.max(a).min(b));
    }

    static void clamp(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fClamp(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fClamp(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dClamp(FloatVector x, FloatVector y, float a, float b) {
        FloatVector zero = x.broadcast(0f);
        FloatVector one = x.broadcast(1f);
        return zero.blend(one, x.compare(VectorOperators.GE, a).and(x.compare(VectorOperators.LE, b)));
    }

    static void clampGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dClamp(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dClamp(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fAffine(FloatVector x, float a, float b) {
        return x.fma(a, b);
    }

    static void affine(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fAffine(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fAffine(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dAffine(FloatVector x, FloatVector y, float a, float b) {
        return x.broadcast(a);
    }

    static void affineGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dAffine(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dAffine(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }

    private static FloatVector fErf(FloatVector x, float a, float b) {
        return VecMath.erf(x);
    }

    static void erf(float[] x, int xo, float[] y, int yo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            fErf(FloatVector.fromArray(S, x, xo + i), a, b).intoArray(y, yo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            fErf(FloatVector.fromArray(S, x, xo + i, m), a, b).intoArray(y, yo + i, m);
        }
    }

    private static FloatVector dErf(FloatVector x, FloatVector y, float a, float b) {
        return VecReproducible.exp(x.mul(x).neg()).mul(TWO_OVER_SQRT_PI);
    }

    static void erfGrad(float[] x, int xo, float[] y, int yo, float[] g, int go, float[] out, int oo, int lo, int hi, float a, float b) {
        int i = lo;
        for (; i + L <= hi; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(dErf(xv, yv, a, b)).intoArray(out, oo + i);
        }
        if (i < hi) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector xv = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector yv = FloatVector.fromArray(S, y, yo + i, m);
            FloatVector.fromArray(S, g, go + i, m).mul(dErf(xv, yv, a, b)).intoArray(out, oo + i, m);
        }
    }
    /** The forward loop of an op, or null for the boolean ops. */
    static Loop loop(UnaryOp op) {
        return switch (op) {
            case NEG -> VecUnary::neg;
            case EXP -> VecUnary::exp;
            case LOG -> VecUnary::log;
            case SQRT -> VecUnary::sqrt;
            case RSQRT -> VecUnary::rsqrt;
            case ABS -> VecUnary::abs;
            case SIGN -> VecUnary::sign;
            case RECIPROCAL -> VecUnary::reciprocal;
            case SQUARE -> VecUnary::square;
            case SIN -> VecUnary::sin;
            case COS -> VecUnary::cos;
            case ACOS -> VecUnary::acos;
            case RELU -> VecUnary::relu;
            case RELU6 -> VecUnary::relu6;
            case LEAKY_RELU -> VecUnary::leakyRelu;
            case SIGMOID -> VecUnary::sigmoid;
            case TANH -> VecUnary::tanh;
            case SILU -> VecUnary::silu;
            case GELU -> VecUnary::gelu;
            case GELU_TANH -> VecUnary::geluTanh;
            case HARDSWISH -> VecUnary::hardswish;
            case HARDSIGMOID -> VecUnary::hardsigmoid;
            case POW -> VecUnary::pow;
            case CLAMP -> VecUnary::clamp;
            case AFFINE -> VecUnary::affine;
            case ERF -> VecUnary::erf;
            case NONZERO, NOT -> null;
        };
    }

    /** The derivative loop of an op, or null for the boolean ops. */
    static GradLoop gradLoop(UnaryOp op) {
        return switch (op) {
            case NEG -> VecUnary::negGrad;
            case EXP -> VecUnary::expGrad;
            case LOG -> VecUnary::logGrad;
            case SQRT -> VecUnary::sqrtGrad;
            case RSQRT -> VecUnary::rsqrtGrad;
            case ABS -> VecUnary::absGrad;
            case SIGN -> VecUnary::signGrad;
            case RECIPROCAL -> VecUnary::reciprocalGrad;
            case SQUARE -> VecUnary::squareGrad;
            case SIN -> VecUnary::sinGrad;
            case COS -> VecUnary::cosGrad;
            case ACOS -> VecUnary::acosGrad;
            case RELU -> VecUnary::reluGrad;
            case RELU6 -> VecUnary::relu6Grad;
            case LEAKY_RELU -> VecUnary::leakyReluGrad;
            case SIGMOID -> VecUnary::sigmoidGrad;
            case TANH -> VecUnary::tanhGrad;
            case SILU -> VecUnary::siluGrad;
            case GELU -> VecUnary::geluGrad;
            case GELU_TANH -> VecUnary::geluTanhGrad;
            case HARDSWISH -> VecUnary::hardswishGrad;
            case HARDSIGMOID -> VecUnary::hardsigmoidGrad;
            case POW -> VecUnary::powGrad;
            case CLAMP -> VecUnary::clampGrad;
            case AFFINE -> VecUnary::affineGrad;
            case ERF -> VecUnary::erfGrad;
            case NONZERO, NOT -> null;
        };
    }
}
