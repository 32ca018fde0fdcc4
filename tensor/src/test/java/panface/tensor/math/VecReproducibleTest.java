package panface.tensor.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import jdk.incubator.vector.FloatVector;

import org.junit.jupiter.api.Test;

/**
 * The reproducible vector math (its polynomial forms, whatever the mode) against StrictMath in double: at most 2 ulp of the correctly
 * rounded float over a sweep of every 4099th float bit pattern (both signs, subnormals to the
 * overflow edge), and the special values as Java's Math gives them.
 */
class VecReproducibleTest {
    private static final int L = VecMath.S.length();

    private static float[] apply(UnaryOperator<FloatVector> f, float[] x) {
        float[] out = new float[x.length];
        float[] block = new float[L];
        for (int i = 0; i < x.length; i += L) {
            int n = Math.min(L, x.length - i);
            java.util.Arrays.fill(block, 1f);
            System.arraycopy(x, i, block, 0, n);
            float[] r = f.apply(FloatVector.fromArray(VecMath.S, block, 0)).toArray();
            System.arraycopy(r, 0, out, i, n);
        }
        return out;
    }

    private static double ulps(float got, double want) {
        float w = (float) want;
        if (Float.isNaN(w) || Float.isInfinite(w) || got == w) {
            return Float.compare(got, w) == 0 || got == w ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(got - want) / Math.ulp(w);
    }

    private static void sweep(String name, UnaryOperator<FloatVector> f, DoubleUnaryOperator ref, float lo, float hi, double maxUlp) {
        int n = 0;
        float[] x = new float[(int) ((1L << 32) / 4099) + 1];
        for (long bits = 0; bits < (1L << 32); bits += 4099) {
            float v = Float.intBitsToFloat((int) bits);
            if (v >= lo && v <= hi) {
                x[n++] = v;
            }
        }
        x = java.util.Arrays.copyOf(x, n);
        float[] got = apply(f, x);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < n; i++) {
            double u = ulps(got[i], ref.applyAsDouble(x[i]));
            if (u > worst) {
                worst = u;
                at = x[i];
            }
        }
        if (worst > maxUlp) {
            fail(name + ": " + worst + " ulp at x = " + at + " (got " + apply(f, new float[] {at})[0] + ", want " + (float) ref.applyAsDouble(at) + ")");
        }
        assertTrue(n > 100_000, name + " swept only " + n + " values");
    }

    @Test
    void expWithinTwoUlp() {
        // below -87.3 the result is subnormal: its absolute error is what a float can hold
        sweep("exp", VecReproducible::expPolynomial, StrictMath::exp, -87.3f, 88.72f, 2);
    }

    @Test
    void logWithinTwoUlp() {
        sweep("log", VecReproducible::logPolynomial, StrictMath::log, 0f, Float.MAX_VALUE, 2);
    }

    @Test
    void tanhWithinTwoUlp() {
        sweep("tanh", VecReproducible::tanhPolynomial, StrictMath::tanh, -Float.MAX_VALUE, Float.MAX_VALUE, 2);
    }

    @Test
    void specialValuesAsJavaMath() {
        float[] x = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 88.73f, 89f, -104f, -1e30f, 1e30f, 1f, -1f,
            Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_VALUE, -87.5f, -100f, 1e-30f};
        float[] e = apply(VecReproducible::expPolynomial, x);
        float[] l = apply(VecReproducible::logPolynomial, x);
        float[] t = apply(VecReproducible::tanhPolynomial, x);
        for (int i = 0; i < x.length; i++) {
            assertClose("exp(" + x[i] + ")", (float) StrictMath.exp(x[i]), e[i], x[i] < -87.3f ? 1e-44 : 0);
            assertClose("log(" + x[i] + ")", (float) StrictMath.log(x[i]), l[i], 0);
            assertClose("tanh(" + x[i] + ")", (float) StrictMath.tanh(x[i]), t[i], 0);
        }
    }

    private static void assertClose(String what, float want, float got, double abs) {
        if (Float.isNaN(want) || Float.isInfinite(want) || want == 0) {
            if (want == 0 && abs > 0) {
                assertTrue(Math.abs(got) <= abs, what + ": got " + got);
                return;
            }
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), what + ": got " + got + ", want " + want);
            return;
        }
        assertTrue(Math.abs(got - want) <= Math.max(abs, 2 * Math.ulp(want)), what + ": got " + got + ", want " + want);
    }

    @Test
    void sumAddsInOneFixedTree() {
        float[] v = new float[L];
        for (int i = 0; i < L; i++) {
            v[i] = (float) Math.scalb(1.0 + i / 7.0, (i * 5) % 31 - 15);
        }
        // the tree: lane i + w joins lane i, for w = L/2 ... 1
        float[] t = v.clone();
        for (int w = L / 2; w >= 1; w /= 2) {
            float[] next = t.clone();
            for (int i = 0; i < L; i++) {
                next[i] = t[i] + t[(i + w) % L];
            }
            t = next;
        }
        assertEquals(Float.floatToIntBits(t[0]), Float.floatToIntBits(VecReproducible.treeSum(FloatVector.fromArray(VecMath.S, v, 0))));
    }
}
