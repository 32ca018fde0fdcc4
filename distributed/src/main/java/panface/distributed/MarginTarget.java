package panface.distributed;

import panface.faceloss.Margin;

/**
 * The combined margin's target cosine and its derivative, the formula the fused margin-softmax
 * kernels evaluate per row: cos(m1 * theta + m2) - m3, with the pre-2022 hard fallback where
 * m1 * theta + m2 passes pi, and the exact derivative evaluated at a cosine kept inside (-1, 1).
 * The distributed softmax needs it on the host because its target logit lives on one rank only.
 */
final class MarginTarget {
    /** Exact-mode cosines are kept this far inside [-1, 1], where the derivative of acos is finite (as the kernels). */
    static final double EPS = 1e-7;

    private MarginTarget() {
    }

    /** {value, d value / d c} at the (already clamped) cosine c. */
    static double[] of(Margin m, double c) {
        if (m.m1() == 1.0 && m.m2() == 0.0) {
            return new double[] {c - m.m3(), 1.0};
        }
        double theta = Math.acos(c);
        if (m.hardFallback() && m.m1() * theta + m.m2() > Math.PI) {
            double mm = m.m1() == 1.0 ? Math.sin(Math.PI - m.m2()) * m.m2() : 1 + Math.cos((Math.PI - m.m2()) / m.m1());
            return new double[] {c - mm - m.m3(), 1.0};
        }
        double value = Math.cos(m.m1() * theta + m.m2()) - m.m3();
        double cc = Math.min(Math.max(c, -1 + EPS), 1 - EPS);
        double d = m.gradient() == Margin.Gradient.EXACT ? Math.sin(m.m1() * Math.acos(cc) + m.m2()) * m.m1() / Math.sqrt(1 - cc * cc) : 1.0;
        return new double[] {value, d};
    }
}
