package panface.faceloss;

/**
 * The combined margin of insightface's CombinedMarginLoss: target logit s*(cos(m1*theta + m2) -
 * m3), other logits s*cos(theta). ArcFace is (1, m, 0), CosFace (1, 0, m), SphereFace-style (m,
 * 0, 0), and combinations.
 *
 * @param s            scale (64 in insightface's trainer)
 * @param m1           multiplicative angular margin
 * @param m2           additive angular margin
 * @param m3           additive cosine margin
 * @param gradient     how the gradient flows through the margin
 * @param hardFallback for m1*theta + m2 &gt; pi use the pre-2022 reference's "hard margin"
 *                     (c - m*sin m) instead of the non-monotone cos(theta + m)
 */
public record Margin(double s, double m1, double m2, double m3, Gradient gradient, boolean hardFallback) {

    /** Gradient modes. */
    public enum Gradient {
        /**
         * The margin is applied without gradient (d target / d cos = 1): insightface's current
         * ArcFace (since Dec 2022, after opensphere), the default.
         */
        STRAIGHT_THROUGH,
        /** The exact derivative of cos(m1*acos(c) + m2), with cosines kept inside (-1, 1). */
        EXACT
    }

    public Margin {
        if (!(s > 0) || !(m1 > 0) || !(m2 >= 0) || !(m3 >= 0)) {
            throw new IllegalArgumentException("margin needs s > 0, m1 > 0, m2 >= 0 and m3 >= 0, got s=" + s + " m1=" + m1 + " m2=" + m2
                    + " m3=" + m3);
        }
    }

    /**
     * The reference's recommendation: straight-through without the fallback (as insightface now
     * runs), exact with it (as insightface ran before 2022).
     */
    public static Margin of(double s, double m1, double m2, double m3, Gradient gradient) {
        return new Margin(s, m1, m2, m3, gradient, gradient == Gradient.EXACT);
    }

    /** ArcFace: s=64, additive angular margin m (0.5 in the LVFace paper). */
    public static Margin arcFace(double s, double m) {
        return of(s, 1.0, m, 0.0, Gradient.STRAIGHT_THROUGH);
    }

    /** CosFace: additive cosine margin m (0.4 in insightface's ViT configs). */
    public static Margin cosFace(double s, double m) {
        return of(s, 1.0, 0.0, m, Gradient.STRAIGHT_THROUGH);
    }

    /** The same margin with another gradient mode (keeping the recommended fallback for it). */
    public Margin withGradient(Gradient g) {
        return of(s, m1, m2, m3, g);
    }
}
