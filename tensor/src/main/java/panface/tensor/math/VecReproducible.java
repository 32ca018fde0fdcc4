package panface.tensor.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import panface.tensor.RuntimeConfig;

/**
 * The vector kernels' exp, log, tanh, sin, cos, acos, pow and lane sums, in two modes.
 *
 * <p>By default every JIT tier rounds the same way, and the same seed, data and thread count give
 * the same bits: exp, log and tanh are polynomials (Cephes' single-precision forms, within 2 ulp
 * over the whole range) built from additions, multiplications, FMAs, comparisons and bit
 * operations only; sin, cos, acos and pow are computed per lane by {@link StrictMath} in double
 * and rounded once; lanes are summed in one fixed tree.
 *
 * <p>With {@code -Dpanface.cpu.reproducible=false} they are the Vector API's operators: a little
 * faster where kernels are made of exponentials (softmax, the margin softmax), but they round
 * differently once the JIT has compiled the calling code (intrinsics there, per-lane
 * {@code Math} calls before), and a float {@code reduceLanes(ADD)} may add in any order; so a
 * run's last bits then depend on which methods the compiler had reached.
 *
 * <p>Public for the unary ops' vector forms ({@code panface.tensor.backend.UnaryOp}), the CPU
 * backend's kernels and CPU kernels that libraries register from outside the backend (see {@code
 * panface.tensor.backend.ExtensionKernels}).
 */
public final class VecReproducible {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    private static final float ROUND = 0x1.8p23f;
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n * LN2_HI is exact for the |n| <= 150 of the reduction
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;
    private static final FloatVector MINUS_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    private static final FloatVector MINUS_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    // beyond these e^x is infinite, or below half the smallest subnormal: the clamped argument
    // rounds to the same result, so no lane needs patching afterwards
    private static final float EXP_HI = 89f;
    private static final float EXP_LO = -104f;
    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    // a shift count as a vector: shifts by a scalar count are not always compiled to vector shifts
    private static final IntVector EXPONENT_SHIFT = FloatVector.zero(S).reinterpretAsInts().broadcast(23);
    /** The lane permutations of {@link #treeSum}: lane i takes lane i + w (w = 8, 4, 2, 1; those at or above L unused). */
    private static final VectorShuffle<Float> FOLD_8 = fold(8);
    private static final VectorShuffle<Float> FOLD_4 = fold(4);
    private static final VectorShuffle<Float> FOLD_2 = fold(2);
    private static final VectorShuffle<Float> FOLD_1 = fold(1);

    /** The JIT-independent forms, unless {@code -Dpanface.cpu.reproducible=false} (see the class comment). */
    static final boolean ENABLED = RuntimeConfig.startup().reproducible();

    private VecReproducible() {
    }

    private static VectorShuffle<Float> fold(int w) {
        return VectorShuffle.iota(S, w % L, 1, true);
    }

    /** The sum of the lanes. */
    public static float sum(FloatVector v) {
        return ENABLED ? treeSum(v) : v.reduceLanes(VectorOperators.ADD);
    }

    /** The sum of the lanes, always added in the same tree (lane i + w joins lane i, w = L/2, ..., 1). */
    static float treeSum(FloatVector v) {
        if (L > 16) {
            throw new UnsupportedOperationException("vectors of more than 16 floats");
        }
        if (L == 16) {
            v = v.add(v.rearrange(FOLD_8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(FOLD_4));
        }
        if (L >= 4) {
            v = v.add(v.rearrange(FOLD_2));
        }
        if (L >= 2) {
            v = v.add(v.rearrange(FOLD_1));
        }
        return v.lane(0);
    }

    /** e^x per lane. */
    public static FloatVector exp(FloatVector x) {
        return ENABLED ? expPolynomial(x) : x.lanewise(VectorOperators.EXP);
    }

    /**
     * e^x per lane: x = n ln2 + r with |r| &lt;= ln2/2, e^r by a degree-7 polynomial, then scaled
     * by 2^n in two exact steps. Few operations, for the JIT's inlining budget (a vector that
     * crosses a call the JIT did not inline is boxed on the heap, several times slower than the
     * arithmetic): kernels keep their loops in methods of their own for the same reason.
     */
    static FloatVector expPolynomial(FloatVector x) {
        FloatVector xc = x.min(EXP_HI).max(EXP_LO);
        // n = round(x / ln2): adding 1.5 * 2^23 leaves n in the low bits of t
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(MINUS_LN2_LO, n.fma(MINUS_LN2_HI, xc));    // n ln2_hi is exact: n has 8 bits, ln2_hi 16
        // e^r = 1 + r + r^2 P(r), P by Estrin's scheme (fewer operations than Horner's, which the
        // JIT's inlining budget of the kernels that call this counts)
        FloatVector r2 = r.mul(r);
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f).fma(r2, r.fma(8.3334519073E-3f, 4.1665795894E-2f))
                .fma(r2, r.fma(1.6666665459E-1f, 5.0000001201E-1f));
        FloatVector y = p.fma(r2, r).add(1f);
        // 2^n as 2^n1 2^(n - n1), n1 = n/2 rounded: each factor a normal float for n in [-150, 128],
        // so the first product is exact and only the second rounds (to a subnormal or to infinity);
        // the exponents come from the rounding trick's bits (those of t hold n, those of ub n1)
        IntVector tb = t.reinterpretAsInts();
        IntVector ub = n.fma(0.5f, ROUND).reinterpretAsInts();
        return y.mul(ub.add(127 - ROUND_BITS).mul(1 << 23).reinterpretAsFloats()).mul(tb.sub(ub).add(127).mul(1 << 23).reinterpretAsFloats());
    }

    /** The natural log per lane. */
    public static FloatVector log(FloatVector x) {
        return ENABLED ? logPolynomial(x) : x.lanewise(VectorOperators.LOG);
    }

    /** The natural log per lane: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a polynomial in m - 1. */
    static FloatVector logPolynomial(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL).and(x.compare(VectorOperators.GT, 0f));
        FloatVector xs = x.blend(x.mul(0x1p23f), subnormal);
        IntVector bits = xs.reinterpretAsInts();
        // the biased exponent k as a float: 2^23 + k has k in its low bits
        FloatVector k = bits.lanewise(VectorOperators.LSHR, EXPONENT_SHIFT).and(0xff).or(ROUND_BITS & 0xff800000).reinterpretAsFloats()
                .sub(0x1p23f);
        FloatVector ef = k.sub(126f);
        ef = ef.blend(ef.sub(23f), subnormal);
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats();          // in [0.5, 1)
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        ef = ef.blend(ef.sub(1f), low);
        FloatVector z = m.blend(m.add(m), low).sub(1f);                                     // m in [sqrt(1/2), sqrt(2)), less 1
        FloatVector z2 = z.mul(z);
        FloatVector p = z.fma(7.0376836292E-2f, -1.1514610310E-1f);
        p = p.fma(z, z.broadcast(1.1676998740E-1f));
        p = p.fma(z, z.broadcast(-1.2420140846E-1f));
        p = p.fma(z, z.broadcast(1.4249322787E-1f));
        p = p.fma(z, z.broadcast(-1.6668057665E-1f));
        p = p.fma(z, z.broadcast(2.0000714765E-1f));
        p = p.fma(z, z.broadcast(-2.4999993993E-1f));
        p = p.fma(z, z.broadcast(3.3333331174E-1f));
        FloatVector y = p.mul(z).mul(z2);
        y = ef.fma(-2.12194440e-4f, 0f).add(y);
        y = z2.fma(-0.5f, 0f).add(y);
        FloatVector r = z.add(y);
        r = ef.fma(0.693359375f, 0f).add(r);
        r = r.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        r = r.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
        return r.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }

    /** tanh per lane. */
    public static FloatVector tanh(FloatVector x) {
        return ENABLED ? tanhPolynomial(x) : x.lanewise(VectorOperators.TANH);
    }

    /** tanh per lane: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^(2|x|) + 1) with the sign of x. */
    static FloatVector tanhPolynomial(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector q = z.fma(-5.70498872745E-3f, 2.06390887954E-2f);
        q = q.fma(z, z.broadcast(-5.37397155531E-2f));
        q = q.fma(z, z.broadcast(1.33314422036E-1f));
        q = q.fma(z, z.broadcast(-3.33332819422E-1f));
        FloatVector small = q.mul(z).fma(x, x).blend(x, x.compare(VectorOperators.EQ, 0f));       // keeps tanh(-0) = -0
        FloatVector big = ax.broadcast(1f).sub(ax.broadcast(2f).div(expPolynomial(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return small.blend(big, ax.compare(VectorOperators.GE, 0.625f));
    }

    /** The functions no hot kernel needs: reproducible per lane, in double by {@link StrictMath}. */
    public enum Strict { SIN, COS, ACOS }

    /** f per lane, in double by {@link StrictMath}. */
    public static FloatVector strict(Strict f, FloatVector x) {
        if (!ENABLED) {
            return x.lanewise(switch (f) {
                case SIN -> VectorOperators.SIN;
                case COS -> VectorOperators.COS;
                case ACOS -> VectorOperators.ACOS;
            });
        }
        float[] v = x.toArray();
        for (int i = 0; i < v.length; i++) {
            double d = v[i];
            v[i] = (float) switch (f) {
                case SIN -> StrictMath.sin(d);
                case COS -> StrictMath.cos(d);
                case ACOS -> StrictMath.acos(d);
            };
        }
        return FloatVector.fromArray(S, v, 0);
    }

    /** x^a per lane (reproducible: in double by {@link StrictMath#pow}). */
    public static FloatVector pow(FloatVector x, float a) {
        if (!ENABLED) {
            return x.lanewise(VectorOperators.POW, a);
        }
        float[] v = x.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) StrictMath.pow(v[i], a);
        }
        return FloatVector.fromArray(S, v, 0);
    }
}
