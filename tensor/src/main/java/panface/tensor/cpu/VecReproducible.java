package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math that rounds the same way whatever the JIT has done with the calling code, so a
 * kernel gives the same bits on its first call (interpreted) and its millionth (compiled).
 *
 * <p>The Vector API's own transcendental operators (EXP, LOG, TANH, SIN, POW, ...) are
 * intrinsics in compiled code and per-lane {@code Math} calls elsewhere, and the two differ in
 * the last bit; its floating-point {@code reduceLanes(ADD)} may add in any order. So a training
 * run's numbers depended on which methods the compiler had reached. Here:
 * <ul>
 * <li>exp, log and tanh are polynomial (Cephes' single-precision forms, within 2 ulp over the
 * whole range) and built from additions, multiplications, FMAs, comparisons and bit operations
 * only, which every tier rounds identically;</li>
 * <li>sin, cos, acos and pow, which no hot kernel uses, are computed per lane by
 * {@link StrictMath} in double and rounded to float once (correctly rounded in almost every case);</li>
 * <li>{@link #sum} adds the lanes in one fixed tree.</li>
 * </ul>
 */
final class VecReproducible {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    private static final float ROUND = 0x1.8p23f;
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n * LN2_HI is exact for the |n| <= 150 of the reduction
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;
    private static final float EXP_HI = 88.72283935546875f;
    private static final float EXP_LO = -103.97208404541015625f;
    private static final float SQRT_HALF = 0.707106781186547524f;
    /** The lane permutations of {@link #sum}: lane i takes lane i + w, for w = L/2, L/4, ..., 1. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    private VecReproducible() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int s = 0, w = L / 2; s < steps; s++, w /= 2) {
            f[s] = VectorShuffle.iota(S, w, 1, true);
        }
        return f;
    }

    /** The sum of the lanes, always added in the same tree. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) {
            v = v.add(v.rearrange(f));
        }
        return v.lane(0);
    }

    /** e^x per lane: x = n ln2 + r with |r| &lt;= ln2/2, e^r by a degree-7 polynomial, then scaled by 2^n in two exact steps. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.min(EXP_HI).max(EXP_LO);
        FloatVector n = xc.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(n.broadcast(-LN2_HI), xc);
        r = n.fma(n.broadcast(-LN2_LO), r);
        FloatVector p = horner(r, 1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f, 1.6666665459E-1f,
                5.0000001201E-1f);
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // 2^n as two factors 2^(n/2) and 2^(n - n/2): each a normal float for n in [-150, 128],
        // so the first product is exact and only the second rounds (to a subnormal, or to infinity)
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        y = y.mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        y = y.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /** The natural log per lane: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a polynomial in m - 1. */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL).and(x.compare(VectorOperators.GT, 0f));
        FloatVector xs = x.blend(x.mul(0x1p23f), subnormal);
        IntVector bits = xs.reinterpretAsInts();
        FloatVector ef = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126).convert(VectorOperators.I2F, 0);
        ef = ef.blend(ef.sub(23f), subnormal);
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats();          // in [0.5, 1)
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        ef = ef.blend(ef.sub(1f), low);
        FloatVector z = m.blend(m.add(m), low).sub(1f);                                     // m in [sqrt(1/2), sqrt(2)), less 1
        FloatVector z2 = z.mul(z);
        FloatVector p = horner(z, 7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
                -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f);
        FloatVector y = p.mul(z).mul(z2);
        y = ef.fma(ef.broadcast(-2.12194440e-4f), y);
        y = z2.fma(z2.broadcast(-0.5f), y);
        FloatVector r = z.add(y);
        r = ef.fma(ef.broadcast(0.693359375f), r);
        r = r.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        r = r.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
        return r.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }

    /** tanh per lane: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^(2|x|) + 1) with the sign of x. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = horner(z, -5.70498872745E-3f, 2.06390887954E-2f, -5.37397155531E-2f, 1.33314422036E-1f, -3.33332819422E-1f)
                .mul(z).fma(x, x).blend(x, x.compare(VectorOperators.EQ, 0f));       // keeps tanh(-0) = -0
        FloatVector big = ax.broadcast(1f).sub(ax.broadcast(2f).div(exp(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return small.blend(big, ax.compare(VectorOperators.GE, 0.625f));
    }

    /** c[0] x^(k-1) + ... + c[k-1], by Horner's rule with one rounding per step (FMA). */
    private static FloatVector horner(FloatVector x, float... c) {
        FloatVector p = x.broadcast(c[0]);
        for (int i = 1; i < c.length; i++) {
            p = p.fma(x, x.broadcast(c[i]));
        }
        return p;
    }

    /** The functions no hot kernel needs: per lane, in double by {@link StrictMath}. */
    enum Strict { SIN, COS, ACOS }

    static FloatVector strict(Strict f, FloatVector x) {
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

    /** x^a per lane, in double by {@link StrictMath#pow}. */
    static FloatVector pow(FloatVector x, float a) {
        float[] v = x.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) StrictMath.pow(v[i], a);
        }
        return FloatVector.fromArray(S, v, 0);
    }
}
