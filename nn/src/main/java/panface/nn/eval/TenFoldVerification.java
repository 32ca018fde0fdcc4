package panface.nn.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * insightface's verification accuracy ({@code eval/verification.py}, calculate_roc): embeddings are
 * L2-normalised, each pair's squared distance d is compared with the thresholds 0, 0.01, ..., 3.99
 * and a pair is predicted "same" when d &lt; threshold (strictly). The pairs are split, in order and
 * without shuffling, into 10 contiguous folds as scikit-learn's KFold does (the first n mod 10 folds
 * take one pair more). For each fold the threshold with the highest accuracy on the other nine folds
 * is chosen (the first, i.e. smallest, on ties) and the fold's accuracy is measured with it; the
 * result is the mean and population standard deviation of the ten accuracies.
 *
 * <p>Distances are computed in double precision from the float embeddings, as numpy does on the
 * float64 arrays insightface fills.
 */
public final class TenFoldVerification {
    /** The number of folds of the protocol. */
    public static final int FOLDS = 10;
    /** The number of thresholds: 0, 0.01, ..., 3.99 (numpy's arange(0, 4, 0.01)). */
    public static final int THRESHOLDS = 400;

    private TenFoldVerification() {
    }

    /** One fold's outcome: its test pairs [testStart, testEnd), the chosen threshold and the accuracy on the test pairs. */
    public record Fold(int testStart, int testEnd, double threshold, double accuracy) {
    }

    /** The i-th threshold, i * 0.01, as numpy's arange computes it. */
    public static double threshold(int i) {
        return i * 0.01;
    }

    /**
     * Evaluates a pack with 10 folds.
     *
     * @param first  first[i], second[i]: the (flip-summed, not yet normalised) embeddings of pair i
     * @param second see first
     * @param same   same[i]: whether pair i shows one identity
     * @return the result; its normMean is the mean L2 norm of the given embeddings (all 2N of them).
     *         insightface's XNorm averages the norms of the single-view embeddings before the flip
     *         sum instead; to report that, use the overload that takes it ({@link FlipEmbedder} measures it)
     */
    public static VerificationResult evaluate(String name, float[][] first, float[][] second, boolean[] same) {
        check(first, second, same);
        double sum = 0;
        for (int i = 0; i < first.length; i++) {
            sum += norm(first[i]) + norm(second[i]);
        }
        return evaluate(name, first, second, same, sum / (2.0 * first.length), FOLDS);
    }

    /**
     * Evaluates with a given norm mean (reported as is) and number of folds (10 for the protocol;
     * at least 2 and at most the number of pairs).
     */
    public static VerificationResult evaluate(String name, float[][] first, float[][] second, boolean[] same, double normMean, int folds) {
        List<Fold> fs = folds(first, second, same, folds);
        double mean = 0;
        double thr = 0;
        for (Fold f : fs) {
            mean += f.accuracy();
            thr += f.threshold();
        }
        mean /= fs.size();
        thr /= fs.size();
        double var = 0;
        for (Fold f : fs) {
            var += (f.accuracy() - mean) * (f.accuracy() - mean);
        }
        return new VerificationResult(name, same.length, mean, Math.sqrt(var / fs.size()), thr, normMean);
    }

    /** The folds in order, with the threshold chosen on the other folds and the accuracy on this one. */
    public static List<Fold> folds(float[][] first, float[][] second, boolean[] same, int folds) {
        check(first, second, same);
        int n = same.length;
        if (folds < 2 || folds > n) {
            throw new IllegalArgumentException("need between 2 and " + n + " folds (one pair per fold at least), got " + folds);
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = squaredDistance(first[i], second[i]);
        }
        int[] start = foldStarts(n, folds);
        // correct[f][t]: pairs of fold f that threshold t classifies correctly; a pair is predicted
        // same for exactly the thresholds above its distance, so each pair adds to one range.
        int[][] correct = new int[folds][THRESHOLDS];
        for (int f = 0; f < folds; f++) {
            for (int i = start[f]; i < start[f + 1]; i++) {
                for (int t = 0; t < THRESHOLDS; t++) {
                    if ((d[i] < threshold(t)) == same[i]) {
                        correct[f][t]++;
                    }
                }
            }
        }
        List<Fold> out = new ArrayList<>(folds);
        for (int f = 0; f < folds; f++) {
            int best = 0;
            long bestCount = -1;
            for (int t = 0; t < THRESHOLDS; t++) {
                long c = 0;
                for (int g = 0; g < folds; g++) {
                    if (g != f) {
                        c += correct[g][t];
                    }
                }
                // All training sets of a fold have one size, so comparing counts compares accuracies
                // exactly; strict > keeps the first maximum, as np.argmax.
                if (c > bestCount) {
                    bestCount = c;
                    best = t;
                }
            }
            int size = start[f + 1] - start[f];
            out.add(new Fold(start[f], start[f + 1], threshold(best), (double) correct[f][best] / size));
        }
        return out;
    }

    /**
     * The validation rate at a false-accept rate as insightface's calculate_val: with the folds as
     * above and the squared-distance thresholds 0, 0.001, ..., 3.999, each fold takes the threshold
     * at which its training folds' FAR reaches farTarget, by linear interpolation of threshold over
     * FAR (scipy's interp1d, kind 'slinear': between the last threshold whose FAR is at most the
     * target and the next; threshold 0 when no threshold reaches the target), and measures the
     * share of its same pairs accepted (d &lt; threshold) and of its different pairs accepted.
     * Not part of the logged accuracy; insightface computes it at 1e-3. A test fold without same or
     * without different pairs gives NaN for that rate (insightface fails with a division by zero).
     */
    public static Val valAtFar(float[][] first, float[][] second, boolean[] same, double farTarget, int folds) {
        check(first, second, same);
        int n = same.length;
        if (folds < 2 || folds > n) {
            throw new IllegalArgumentException("need between 2 and " + n + " folds (one pair per fold at least), got " + folds);
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = squaredDistance(first[i], second[i]);
        }
        int[] start = foldStarts(n, folds);
        double[] val = new double[folds];
        double[] far = new double[folds];
        int thresholds = 4000;
        for (int f = 0; f < folds; f++) {
            int diffCount = 0;
            double[] diff = new double[n];
            for (int i = 0; i < n; i++) {
                if ((i < start[f] || i >= start[f + 1]) && !same[i]) {
                    diff[diffCount++] = d[i];
                }
            }
            double[] sorted = java.util.Arrays.copyOf(diff, diffCount);
            java.util.Arrays.sort(sorted);
            double[] farTrain = new double[thresholds];
            double maxFar = 0;
            for (int t = 0; t < thresholds; t++) {
                // Python divides by the count of different pairs; none gives a ZeroDivisionError there, NaN here.
                farTrain[t] = (double) below(sorted, t * 0.001) / diffCount;
                maxFar = Math.max(maxFar, farTrain[t]);
            }
            double threshold = maxFar >= farTarget ? interpolate(farTrain, farTarget) : 0.0;
            int ta = 0;
            int fa = 0;
            int ns = 0;
            int nd = 0;
            for (int i = start[f]; i < start[f + 1]; i++) {
                boolean accept = d[i] < threshold;
                if (same[i]) {
                    ns++;
                    ta += accept ? 1 : 0;
                } else {
                    nd++;
                    fa += accept ? 1 : 0;
                }
            }
            val[f] = (double) ta / ns;
            far[f] = (double) fa / nd;
        }
        double vm = 0;
        double fm = 0;
        for (int f = 0; f < folds; f++) {
            vm += val[f];
            fm += far[f];
        }
        vm /= folds;
        fm /= folds;
        double var = 0;
        for (double v : val) {
            var += (v - vm) * (v - vm);
        }
        return new Val(vm, Math.sqrt(var / folds), fm);
    }

    /** The result of {@link #valAtFar}: mean and population std over folds of the validation rate, and the mean FAR achieved. */
    public record Val(double valMean, double valStd, double farMean) {
    }

    /** How many sorted values are strictly below x. */
    private static int below(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * The threshold at FAR x by scipy's degree-1 spline through (far[t], t * 0.001): far is
     * non-decreasing; the segment starts at the last t with far[t] &lt;= x (the last segment when x
     * is the largest FAR), as scipy's interval search does with repeated knots, and is evaluated
     * as scipy's de Boor recurrence does, which gives 0 on a segment of zero length.
     */
    static double interpolate(double[] far, double x) {
        int i = 0;
        while (i + 1 < far.length && far[i + 1] <= x) {
            i++;
        }
        i = Math.min(i, far.length - 2);
        double x0 = far[i];
        double x1 = far[i + 1];
        if (x1 == x0) {
            return 0.0;
        }
        double w = 1.0 / (x1 - x0);
        return 0.0 + (i * 0.001) * (w * (x1 - x)) + ((i + 1) * 0.001) * (w * (x - x0));
    }

    /** Fold boundaries as scikit-learn's KFold without shuffling: fold f is [start[f], start[f+1]). */
    static int[] foldStarts(int n, int folds) {
        int[] start = new int[folds + 1];
        for (int f = 0; f < folds; f++) {
            start[f + 1] = start[f] + n / folds + (f < n % folds ? 1 : 0);
        }
        return start;
    }

    /** ||a/|a| - b/|b|||^2 in double; a zero vector stays zero, as scikit-learn's normalize leaves it. */
    static double squaredDistance(float[] a, float[] b) {
        double na = norm(a);
        double nb = norm(b);
        na = na == 0 ? 1 : na;
        nb = nb == 0 ? 1 : nb;
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double diff = a[k] / na - b[k] / nb;
            s += diff * diff;
        }
        return s;
    }

    static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static void check(float[][] first, float[][] second, boolean[] same) {
        if (first.length != same.length || second.length != same.length) {
            throw new IllegalArgumentException("pair counts differ: " + first.length + " first, " + second.length + " second embeddings and "
                    + same.length + " labels");
        }
        if (same.length == 0) {
            throw new IllegalArgumentException("no pairs to evaluate");
        }
        int dim = first[0].length;
        for (int i = 0; i < same.length; i++) {
            if (first[i].length != dim || second[i].length != dim) {
                throw new IllegalArgumentException("pair " + i + " has embeddings of length " + first[i].length + " and " + second[i].length
                        + ", expected " + dim);
            }
        }
    }
}
