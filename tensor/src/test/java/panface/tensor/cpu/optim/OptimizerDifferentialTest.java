package panface.tensor.cpu.optim;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.Tolerances;

/**
 * The float32 AdamW kernel against its float64 reference: gradients from 1e-20 (squares below
 * float32's normal range) to 1e4, zero gradients on zero second moments (the step is then 0 and
 * eps alone is the denominator), moments that cancel the new gradient, NaN and infinite
 * gradients (the parameter turns NaN, as in PyTorch), the first step and a late one, every
 * length, parameters at an offset.
 */
class OptimizerDifferentialTest {
    private static final double LR = 1e-3;
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WD = 0.05;
    private final SplittableRandom rnd = new SplittableRandom(31);

    private enum Kind {
        NORMAL, LARGE, TINY, ZERO, CANCELLING, NAN, INF
    }

    @Test
    void adamwAgreesWithTheReference() {
        int[] lengths = Differential.LENGTHS_AND_LONG_ROW;
        for (Kind kind : Kind.values()) {
            for (int n : lengths) {
                for (long step : new long[] {1, 1000}) {
                    check(kind, n, step);
                }
            }
        }
    }

    private void check(Kind kind, int n, long step) {
        float[] p = Differential.normal(rnd, n, 1);
        float[] g = Differential.normal(rnd, n, 1);
        float[] m = Differential.normal(rnd, n, 0.1);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.01 * Math.abs(Differential.gaussian(rnd)));
            switch (kind) {
                case LARGE -> g[i] *= 1e4f;
                case TINY -> g[i] *= 1e-20f;
                case ZERO -> {
                    g[i] = 0;
                    v[i] = i % 2 == 0 ? 0 : v[i];
                }
                case CANCELLING -> m[i] = (float) (-(1 - B1) / B1 * g[i]);
                default -> {
                }
            }
        }
        if (kind == Kind.NAN || kind == Kind.INF) {
            g[rnd.nextInt(n)] = kind == Kind.NAN ? Float.NaN : Float.NEGATIVE_INFINITY;
        }
        String what = "adamw " + kind + " n=" + n + " step=" + step;
        Tensor[] want = {Tensor.of(p, n).to(DType.F64), Tensor.of(g, n).to(DType.F64), Tensor.of(m, n).to(DType.F64), Tensor.of(v, n).to(DType.F64)};
        OptimReference.adamw((want[0]).asView(), (want[1]).asView(), (want[2]).asView(), (want[3]).asView(), LR, B1, B2, EPS, WD, step);
        Layout layout = (n & 1) == 0 ? Layout.OFFSET : Layout.CONTIGUOUS;
        Tensor[] got = {Differential.place(layout, p, n), Differential.place(Layout.OFFSET, g, n), Differential.place(layout, m, n),
            Differential.place(Layout.CONTIGUOUS, v, n)};
        assertTaken(what, Chosen.adamw(got[0], got[1], got[2], got[3], LR, B1, B2, EPS, WD, step), true);
        double[] pw = want[0].toDoubleArray();
        Differential.Bound[] bounds = Tolerances.adamw(Differential.widen(p), Differential.widen(g), Differential.widen(m), Differential.widen(v), pw,
                LR, B1, B2, EPS, WD, step);
        assertAgrees(what + " param", pw, got[0], bounds[0]);
        assertAgrees(what + " m", want[2].toDoubleArray(), got[2], bounds[1]);
        assertAgrees(what + " v", want[3].toDoubleArray(), got[3], bounds[2]);
        for (Tensor t : got) {
            assertOnlyViewWritten(what, t);
        }
    }

    @Test
    void nonFiniteGradientsTurnTheParameterNan() {
        // PyTorch's AdamW on float32: a NaN or infinite gradient makes m or v non-finite and the
        // update inf / inf or NaN, so the parameter is NaN (the reference computes the same)
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int n : new int[] {1, Differential.LANES + 1}) {
                float[] g = new float[n];
                java.util.Arrays.fill(g, bad);
                Tensor p = Tensor.ones(n);
                assertTaken("adamw", Chosen.adamw(p, Tensor.of(g, n), Tensor.zeros(n), Tensor.zeros(n), LR, B1, B2, EPS, WD, 1), true);
                double[] nan = new double[n];
                java.util.Arrays.fill(nan, Double.NaN);
                Differential.assertExactly("adamw parameter after a gradient of " + bad, nan, p);
            }
        }
    }
}
