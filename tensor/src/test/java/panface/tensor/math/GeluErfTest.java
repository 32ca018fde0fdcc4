package panface.tensor.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * GELU's piecewise erf ({@link PiecewisePolynomial}, {@link VecMath#erfAbsOverSqrt2}) and the GELU forward
 * and backward built on it, on a dense grid against the double reference, with the special values;
 * and Abramowitz and Stegun 7.1.26, which serves vectors of fewer than eight lanes.
 */
class GeluErfTest {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final double SQRT_2 = Math.sqrt(2.0);

    /** f applied to xs a vector at a time. */
    private static float[] map(float[] xs, UnaryOperator<FloatVector> f) {
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i += S.length()) {
            f.apply(FloatVector.fromArray(S, xs, i)).intoArray(out, i);
        }
        return out;
    }

    /** n points over [from, to), n a multiple of every vector length. */
    private static float[] grid(float from, float to, int n) {
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = from + (to - from) * i / n;
        }
        return xs;
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + ScalarMath.erf(x / SQRT_2));
    }

    private static double geluDerivative(double x) {
        return 0.5 * (1 + ScalarMath.erf(x / SQRT_2)) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    @Test
    void interpolationReproducesAPolynomial() {
        double[] v = {-0.5, -0.2, 0.1, 0.3, 0.45};
        double[] f = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            f[j] = 2 - 3 * v[j] + 0.5 * Math.pow(v[j], 4);
        }
        assertArrayEquals(new double[] {2, -3, 0, 0, 0.5}, PiecewisePolynomial.interpolate(v, f), 1e-12);
    }

    @Test
    void piecewiseErfIsCloseToErfEverywhere() {
        if (!VecMath.ERF_PIECES) {
            return;
        }
        float[] ax = grid(0f, 20f, 1 << 21);
        float[] got = map(ax, VecMath::erfAbsOverSqrt2);
        double worst = 0;
        for (int i = 0; i < ax.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - ScalarMath.erf(ax[i] / SQRT_2)));
        }
        assertTrue(worst < 1e-7, "piecewise erf off by " + worst);
        float[] special = new float[S.length()];
        special[0] = Float.NaN;
        special[1] = Float.POSITIVE_INFINITY;
        special[2] = Float.MAX_VALUE;
        special[3] = 1e-30f;
        float[] s = map(special, VecMath::erfAbsOverSqrt2);
        assertTrue(Float.isNaN(s[0]));
        assertEquals(1f, s[1]);
        assertEquals(1f, s[2]);
        assertEquals(0f, s[3], 1e-7f);
    }

    @Test
    void geluAndItsDerivativeOnADenseGrid() {
        float[] xs = grid(-12f, 12f, 1 << 21);
        float[] y = map(xs, VecMath::gelu);
        float[] d = map(xs, VecMath::geluDerivative);
        double worstY = 0;
        double worstD = 0;
        for (int i = 0; i < xs.length; i++) {
            double scale = Math.max(1, Math.abs(xs[i]));
            worstY = Math.max(worstY, Math.abs(y[i] - gelu(xs[i])) / scale);
            worstD = Math.max(worstD, Math.abs(d[i] - geluDerivative(xs[i])));
        }
        double bound = VecMath.ERF_PIECES ? 1e-7 : 3e-7;
        assertTrue(worstY < bound, "gelu off by " + worstY + " x max(1, |x|)");
        assertTrue(worstD < 2 * bound, "gelu' off by " + worstD);
        float[] special = new float[S.length()];
        special[0] = Float.NaN;
        special[1] = Float.POSITIVE_INFINITY;
        special[2] = Float.NEGATIVE_INFINITY;
        special[3] = -Float.MAX_VALUE;
        special[4] = 40f;
        special[5] = -40f;
        float[] s = map(special, VecMath::gelu);
        assertTrue(Float.isNaN(s[0]));
        assertEquals(Float.POSITIVE_INFINITY, s[1]);
        // -inf * Phi(-inf) is -inf * 0: NaN, as PyTorch gives
        assertTrue(Float.isNaN(s[2]));
        assertEquals(0f, s[3]);
        assertEquals(40f, s[4]);
        assertEquals(0f, s[5]);
        // the derivative: NaN at NaN and at +-infinity (infinity times a zero density, as PyTorch), 1 and 0 far out
        float[] ds = map(special, VecMath::geluDerivative);
        assertTrue(Float.isNaN(ds[0]) && Float.isNaN(ds[1]) && Float.isNaN(ds[2]));
        assertEquals(0f, ds[3]);
        assertEquals(1f, ds[4]);
        assertEquals(0f, ds[5]);
    }

    @Test
    void abramowitzStegunServesShortVectors() {
        float[] xs = grid(-12f, 12f, 1 << 20);
        float[] got = map(xs, x -> VecMath.tailErf(x.mul((float) (1 / SQRT_2))));
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - ScalarMath.erf(xs[i] / SQRT_2)));
        }
        assertTrue(worst < 6e-7, "7.1.26 off by " + worst);
    }
}
