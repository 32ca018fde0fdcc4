package panface.tensor.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 elementwise math on whole vectors: the helpers of the unary ops' vector forms (each op's
 * form is written in {@code panface.tensor.backend.UnaryOp}, beside its double reference). Accuracy against that
 * reference: exp, log and tanh are
 * {@link VecReproducible}'s polynomials (within 2 ulp), sin, cos, acos and pow StrictMath's per
 * lane, so every JIT tier gives the same bits (the Vector API's own operators do not); GELU's erf is piecewise
 * polynomial ({@link #erfAbsOverSqrt2}: GELU within 1e-7 of the exact value times max(1, |x|)),
 * or, on vectors of fewer than eight lanes, Abramowitz and Stegun 7.1.26 as in PyTorch (within
 * 3e-7 times max(1, |x|)); the ERF op uses a Taylor series near 0 and 7.1.26 beyond.
 */
public final class VecMath {
    /** The vector shape of every float32 kernel. */
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** sqrt(2/pi) in float32. */
    public static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));
    static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));
    /** 2/sqrt(pi) in float32. */
    public static final float TWO_OVER_SQRT_PI = (float) (2.0 / Math.sqrt(Math.PI));

    private VecMath() {
    }

    /** r, with x in the lanes where x is NaN. */
    public static FloatVector keepNaN(FloatVector x, FloatVector r) {
        VectorMask<Float> nan = x.test(jdk.incubator.vector.VectorOperators.IS_NAN);
        return r.blend(x, nan);
    }

    /** max(x, y) per lane, NaN where either is NaN (as BinaryOp.MAX's reference). */
    public static FloatVector nanMax(FloatVector x, FloatVector y) {
        FloatVector r = x.max(y);
        return r.blend(x, x.test(VectorOperators.IS_NAN)).blend(y, y.test(VectorOperators.IS_NAN));
    }

    /** min(x, y) per lane, NaN where either is NaN. */
    public static FloatVector nanMin(FloatVector x, FloatVector y) {
        FloatVector r = x.min(y);
        return r.blend(x, x.test(VectorOperators.IS_NAN)).blend(y, y.test(VectorOperators.IS_NAN));
    }

    /** sign(x) in {-1, 0, 1}, 0 at NaN. */
    public static FloatVector sign(FloatVector x) {
        FloatVector zero = x.broadcast(0f);
        FloatVector r = zero.blend(x.broadcast(1f), x.compare(VectorOperators.GT, 0f));
        return r.blend(x.broadcast(-1f), x.compare(VectorOperators.LT, 0f));
    }

    /** d|x|/dx: 1, -1, or 0 at 0 and at NaN (as the reference and PyTorch: the gradient does not turn NaN). */
    public static FloatVector absDerivative(FloatVector x) {
        FloatVector one = x.broadcast(1f);
        return x.broadcast(0f).blend(one, x.compare(VectorOperators.GT, 0f)).blend(one.neg(), x.compare(VectorOperators.LT, 0f));
    }

    /**
     * d hardswish / dx: 0 below -3, x/3 + 1/2 up to 3, 1 above and at NaN (as the reference and
     * PyTorch, whose x &lt;= 3 test fails for NaN).
     */
    public static FloatVector hardswishDerivative(FloatVector x) {
        FloatVector r = x.broadcast(1f).blend(x.div(3f).add(0.5f), x.compare(VectorOperators.LE, 3f));
        return r.blend(x.broadcast(0f), x.compare(VectorOperators.LT, -3f));
    }

    /** 1/(1+e^-x), stable: e^-|x| never overflows. */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector e = VecReproducible.exp(x.abs().neg());
        FloatVector pos = x.broadcast(1f).div(e.add(1f));
        FloatVector neg = e.div(e.add(1f));
        return neg.blend(pos, x.compare(VectorOperators.GE, 0f));
    }

    /**
     * erf: its Taylor series for |x| &lt; 0.75 (terms to x^17, relative error below 1e-7), else
     * Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, where erf is above 0.7).
     */
    public static FloatVector erf(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector series = x2.mul(-1f / 75600f).add(1f / 9360f).mul(x2).add(-1f / 1320f).mul(x2).add(1f / 216f).mul(x2)
                .add(-1f / 42f).mul(x2).add(1f / 10f).mul(x2).add(-1f / 3f).mul(x2).add(1f).mul(x).mul(TWO_OVER_SQRT_PI);
        return tailErf(x).blend(series, x.abs().compare(VectorOperators.LT, 0.75f));
    }

    /**
     * Abramowitz and Stegun 7.1.26 alone (absolute error below 1.5e-7 in exact arithmetic, about
     * 5e-7 in float): the form PyTorch's vectorised float GELU uses; inside GELU only 1 + erf
     * matters, so the weak relative accuracy near 0 does not show.
     */
    static FloatVector tailErf(FloatVector x) {
        return tailErf(x, VecReproducible.exp(x.mul(x).neg()));
    }

    /** {@link #tailErf(FloatVector)} given expMinusX2 = exp(-x^2) (shared with a caller that needs it too). */
    static FloatVector tailErf(FloatVector x, FloatVector expMinusX2) {
        FloatVector ax = x.abs();
        FloatVector t = ax.fma(0.3275911f, 1f);
        t = t.broadcast(1f).div(t);
        FloatVector poly = t.fma(1.061405429f, -1.453152027f).fma(t, t.broadcast(1.421413741f)).fma(t, t.broadcast(-0.284496736f))
                .fma(t, t.broadcast(0.254829592f)).mul(t);
        FloatVector r = poly.mul(expMinusX2).neg().add(1f);
        return r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
    }

    /** Whether GELU and its derivative use {@link PiecewisePolynomial}s (vectors of at least {@link PiecewisePolynomial#PIECES} lanes hold a piece per lane). */
    static final boolean ERF_PIECES = S.length() >= PiecewisePolynomial.PIECES;
    /** erf(|x| / sqrt 2) on pieces of width 1/sqrt 2 in |x|: erf is 1 to 1.5e-8 past the last piece, |x| = 4 sqrt 2. */
    private static final Pieces ERF = new Pieces(a -> ScalarMath.erf(a / Math.sqrt(2.0)), 1 / Math.sqrt(2.0), 6);
    /**
     * GELU's derivative less 1/2, over sign(x): erf(|x| / sqrt 2) / 2 + |x| phi(|x|), on pieces
     * reaching |x| = 4.5 sqrt 2, where the |x| phi(|x|) term has fallen below 4e-9 (at 4 sqrt 2 it is
     * still 2.5e-7); degree 7 keeps the wider pieces within 1.5e-8 of it in exact arithmetic.
     */
    private static final Pieces GELU_DERIVATIVE = new Pieces(
            a -> 0.5 * ScalarMath.erf(a / Math.sqrt(2.0)) + a * Math.exp(-0.5 * a * a) / Math.sqrt(2 * Math.PI),
            4.5 * Math.sqrt(2.0) / PiecewisePolynomial.PIECES, 7);

    /** A {@link PiecewisePolynomial} of |x| in registers: the coefficients of v^q of every piece as one vector per q. */
    private record Pieces(float inverseWidth, IntVector[] coefficients) {
        Pieces(java.util.function.DoubleUnaryOperator f, double width, int degree) {
            this((float) (1 / width), ERF_PIECES ? table(PiecewisePolynomial.coefficients(f, width, degree)) : null);
        }

        private static IntVector[] table(float[][] c) {
            IntVector[] t = new IntVector[c.length];
            for (int q = 0; q < c.length; q++) {
                t[q] = FloatVector.fromArray(S, java.util.Arrays.copyOf(c[q], S.length()), 0).reinterpretAsInts();
            }
            return t;
        }

        /**
         * The function at ax = |x|: w = |x| / width - 1/2 picks the piece (rounded to an integer by
         * adding {@link #ROUND}, whose low bits then hold it) and the local variable v = w - piece;
         * past the last piece its polynomial is evaluated at its end. NaN stays NaN.
         */
        FloatVector at(FloatVector ax) {
            FloatVector w = ax.fma(inverseWidth, -0.5f).min(PiecewisePolynomial.PIECES - 0.5f);
            FloatVector t = w.add(ROUND).min(ROUND + (PiecewisePolynomial.PIECES - 1));
            FloatVector v = w.sub(t.sub(ROUND));
            IntVector piece = t.reinterpretAsInts().and(PiecewisePolynomial.PIECES - 1);
            IntVector[] c = coefficients;
            FloatVector r = coefficient(piece, c[c.length - 1]);
            for (int q = c.length - 2; q >= 0; q--) {
                r = r.fma(v, coefficient(piece, c[q]));
            }
            return r;
        }
    }
    /** 1.5 * 2^23: adding it rounds a float in [-2^22, 2^22] to an integer, which lands in the low mantissa bits. */
    private static final float ROUND = 12582912f;

    private static FloatVector coefficient(IntVector piece, IntVector table) {
        return piece.selectFrom(table).reinterpretAsFloats();
    }

    /**
     * erf(|x| / sqrt 2) given ax = |x|, piecewise polynomial: no division and no exponential,
     * which Abramowitz and Stegun 7.1.26 needs, so GELU's forward pass runs about a quarter faster.
     * Within 8.5e-8 of erf in float arithmetic (7.1.26: 5.3e-7); NaN stays NaN.
     */
    static FloatVector erfAbsOverSqrt2(FloatVector ax) {
        return ERF.at(ax);
    }

    /** GELU (erf form): x/2 (1 + erf(x / sqrt 2)) = |x|/2 erf(|x| / sqrt 2) + x/2. */
    public static FloatVector gelu(FloatVector x) {
        if (ERF_PIECES) {
            FloatVector ax = x.abs();
            return ax.mul(0.5f).fma(erfAbsOverSqrt2(ax), x.mul(0.5f));
        }
        FloatVector hx = x.mul(0.5f);
        return hx.fma(tailErf(x.mul(INV_SQRT_2)), hx);
    }

    /**
     * d GELU / dx = Phi(x) + x phi(x) = 1/2 + sign(x) (erf(|x| / sqrt 2) / 2 + |x| phi(|x|)): with
     * vectors of eight lanes one piecewise polynomial, no exponential (fast, and the same bits in
     * every JIT tier). At x = +-infinity it is NaN, as PyTorch's infinity times zero.
     */
    public static FloatVector geluDerivative(FloatVector x) {
        if (ERF_PIECES) {
            FloatVector ax = x.abs();
            FloatVector h = GELU_DERIVATIVE.at(ax);
            FloatVector d = h.blend(h.neg(), x.compare(VectorOperators.LT, 0f)).add(0.5f);
            return d.blend(Float.NaN, ax.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        }
        // one exponential: exp(-x^2/2) serves both the normal density and erf(x / sqrt 2)
        FloatVector e = VecReproducible.exp(x.mul(x).mul(-0.5f));
        FloatVector cdf = tailErf(x.mul(INV_SQRT_2), e).add(1f).mul(0.5f);
        return x.fma(e.mul(INV_SQRT_2PI), cdf);
    }
}
