package panface.nn.eval;

import java.util.Locale;

/**
 * One verification pack's result under insightface's 10-fold protocol ({@link TenFoldVerification}).
 *
 * @param name          the pack's name, e.g. "lfw"
 * @param pairs         the number of pairs
 * @param accuracyMean  the mean over folds of the test-fold accuracy
 * @param accuracyStd   the population standard deviation of the test-fold accuracies (numpy's np.std)
 * @param bestThreshold the mean over folds of the chosen squared-distance threshold (between normalised embeddings, in [0, 4))
 * @param normMean      the mean L2 norm of the embeddings before normalisation (insightface's XNorm; see
 *                      {@link TenFoldVerification#evaluate(String, float[][], float[][], boolean[], double, int)})
 */
public record VerificationResult(String name, int pairs, double accuracyMean, double accuracyStd, double bestThreshold, double normMean) {

    /** {"name":..,"pairs":..,"accuracy_mean":..,"accuracy_std":..,"best_threshold":..,"norm_mean":..}; non-finite numbers are written as null. */
    public String toJson() {
        return "{\"name\":" + Json.string(name) + ",\"pairs\":" + pairs + ",\"accuracy_mean\":" + Json.number(accuracyMean)
                + ",\"accuracy_std\":" + Json.number(accuracyStd) + ",\"best_threshold\":" + Json.number(bestThreshold)
                + ",\"norm_mean\":" + Json.number(normMean) + "}";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "[%s] %d pairs: accuracy-flip %.5f +- %.5f, threshold %.4f, XNorm %.6g", name, pairs, accuracyMean,
                accuracyStd, bestThreshold, normMean);
    }
}
