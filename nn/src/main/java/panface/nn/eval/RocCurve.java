package panface.nn.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The ROC curve of 1:1 verification scores: for every threshold t a pair is accepted when its
 * similarity is at least t; the true-accept rate (TAR) is the accepted share of same-identity pairs
 * and the false-accept rate (FAR) the accepted share of different-identity pairs. Pairs with equal
 * similarity are always accepted or rejected together: there is no random tie breaking and no
 * interpolation between operating points, so every number reported is one an actual threshold
 * achieves.
 */
public final class RocCurve {
    private final int positives;
    private final int negatives;
    /** Operating points in order of decreasing threshold, starting with nothing accepted (0, 0) and ending with everything (1, 1). */
    private final double[] far;
    private final double[] tar;
    private final double[] thresholds;
    /** The number of different-identity pairs accepted at each point. */
    private final int[] falseAccepts;

    private RocCurve(int positives, int negatives, double[] far, double[] tar, double[] thresholds, int[] falseAccepts) {
        this.falseAccepts = falseAccepts;
        this.positives = positives;
        this.negatives = negatives;
        this.far = far;
        this.tar = tar;
        this.thresholds = thresholds;
    }

    /**
     * The curve of the given scores.
     *
     * @param similarity higher = more alike (e.g. the cosine of normalised embeddings); must be finite
     * @param same       whether each pair shows one identity; both kinds must occur
     */
    public static RocCurve of(double[] similarity, boolean[] same) {
        if (similarity.length != same.length) {
            throw new IllegalArgumentException(similarity.length + " scores but " + same.length + " labels");
        }
        int n = similarity.length;
        Integer[] order = new Integer[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(similarity[i])) {
                throw new IllegalArgumentException("score " + i + " is " + similarity[i] + "; scores must be finite");
            }
            order[i] = i;
            pos += same[i] ? 1 : 0;
        }
        int neg = n - pos;
        if (pos == 0 || neg == 0) {
            throw new IllegalArgumentException("an ROC curve needs both same-identity and different-identity pairs; got " + pos + " and " + neg);
        }
        Arrays.sort(order, (a, b) -> Double.compare(similarity[b], similarity[a]));
        double[] f = new double[n + 1];
        double[] t = new double[n + 1];
        double[] th = new double[n + 1];
        int[] fa = new int[n + 1];
        th[0] = Double.POSITIVE_INFINITY;
        int points = 1;
        int tp = 0;
        int fp = 0;
        for (int k = 0; k < n; ) {
            double s = similarity[order[k]];
            // One operating point per distinct score: a group of ties moves together.
            while (k < n && similarity[order[k]] == s) {
                if (same[order[k]]) {
                    tp++;
                } else {
                    fp++;
                }
                k++;
            }
            f[points] = (double) fp / neg;
            t[points] = (double) tp / pos;
            th[points] = s;
            fa[points] = fp;
            points++;
        }
        return new RocCurve(pos, neg, Arrays.copyOf(f, points), Arrays.copyOf(t, points), Arrays.copyOf(th, points), Arrays.copyOf(fa, points));
    }

    /** The number of same-identity pairs. */
    public int positives() {
        return positives;
    }

    /** The number of different-identity pairs. */
    public int negatives() {
        return negatives;
    }

    /**
     * The true-accept rate at the given false-accept rate: the highest TAR of any threshold whose
     * FAR does not exceed {@code far}. This is the operating point with the lowest threshold t such
     * that at most floor(far * negatives) different-identity pairs score t or more; ties at the
     * boundary are rejected together rather than split, and nothing is interpolated. When
     * far * negatives &lt; 1 ({@link #resolves} is false) this is the TAR with no false accept at all.
     */
    public double tarAtFar(double far) {
        return tar[point(far)];
    }

    /** The similarity threshold of {@link #tarAtFar}: accept when similarity &gt;= it (+infinity: accept nothing). */
    public double thresholdAtFar(double far) {
        return thresholds[point(far)];
    }

    /** Whether the negatives can resolve this FAR: at least one false accept is allowed (far * negatives &gt;= 1). */
    public boolean resolves(double far) {
        return allowedFalseAccepts(far) >= 1;
    }

    /**
     * floor(far * negatives), the false accepts a FAR allows; the product is nudged up by a relative
     * 1e-9 so that a decimal FAR whose binary product falls just short (0.29 * 100 = 28.999...) still
     * allows the count it names.
     */
    long allowedFalseAccepts(double far) {
        return (long) Math.floor(far * negatives * (1 + 1e-9));
    }

    private int point(double target) {
        if (!(target >= 0 && target <= 1)) {
            throw new IllegalArgumentException("a false-accept rate lies in [0, 1], got " + target);
        }
        // False accepts never decrease along the points; counts, not rates, so that no rounding decides.
        long allowed = allowedFalseAccepts(target);
        int best = 0;
        for (int i = 0; i < falseAccepts.length; i++) {
            if (falseAccepts[i] <= allowed) {
                best = i;
            } else {
                break;
            }
        }
        return best;
    }

    /**
     * The area under the curve (FAR on x, TAR on y, both linear), the points joined by straight
     * lines: the probability that a same-identity pair scores above a different-identity pair,
     * ties counting one half.
     */
    public double auc() {
        double a = 0;
        for (int i = 1; i < far.length; i++) {
            a += (far[i] - far[i - 1]) * (tar[i] + tar[i - 1]) / 2;
        }
        return a;
    }

    /** The FARs of the operating points, in order of decreasing threshold (first 0, last 1). */
    public double[] falseAcceptRates() {
        return far.clone();
    }

    /** The TARs of the operating points, in the order of {@link #falseAcceptRates}. */
    public double[] trueAcceptRates() {
        return tar.clone();
    }

    /**
     * Draws the curve as a PNG: TAR over FAR with a logarithmic FAR axis from the smallest decade
     * the negatives resolve to 1, decade ticks, labels, a title and the AUC.
     */
    public void writePng(Path file, String title) {
        try {
            RocPlot.write(this, file, title);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the ROC image (" + e.getMessage() + ")", e);
        }
    }
}
