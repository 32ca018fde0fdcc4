package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * Against make_verification_golden.py, insightface's calculate_roc and calculate_val restated in
 * numpy (and scipy's B-spline for the FAR interpolation) on random embeddings of 257, 403 and 60
 * pairs (uneven folds), and of 400 pairs with 20 different pairs in every fold, where the target FAR
 * 0.1 is met exactly by a run of thresholds.
 */
class VerificationGoldenTest {
    // Fold accuracies and chosen thresholds are ratios of counts and grid values: exact unless a distance
    // lies within rounding of a grid point, which random embeddings do not.
    private static final double EXACT = 1e-12;
    // The mean and std add ten such values in another order than numpy's pairwise sum.
    private static final double SUMS = 1e-12;

    @TempDir
    Path dir;

    @Test
    void matchesTheNumpyStatementOfInsightface() throws Exception {
        Path file = dir.resolve("golden.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/eval/verification_golden.safetensors")) {
            Files.copy(in, file);
        }
        try (Scope s = Scope.open()) {
            Map<String, Tensor> t = Safetensors.load(file);
            int cases = 0;
            for (int c = 0; t.containsKey("c" + c + ".input.first"); c++, cases++) {
                String p = "c" + c + ".";
                float[][] first = rows(t.get(p + "input.first"));
                float[][] second = rows(t.get(p + "input.second"));
                long[] labels = t.get(p + "input.same").toLongArray();
                boolean[] same = new boolean[labels.length];
                for (int i = 0; i < same.length; i++) {
                    same[i] = labels[i] != 0;
                }
                double[] acc = t.get(p + "output.fold_accuracy").toDoubleArray();
                double[] thr = t.get(p + "output.fold_threshold").toDoubleArray();
                List<TenFoldVerification.Fold> folds = TenFoldVerification.folds(first, second, same, 10);
                for (int f = 0; f < 10; f++) {
                    assertEquals(acc[f], folds.get(f).accuracy(), EXACT, p + "fold " + f + " accuracy");
                    assertEquals(thr[f], folds.get(f).threshold(), EXACT, p + "fold " + f + " threshold");
                }
                VerificationResult r = TenFoldVerification.evaluate("golden", first, second, same);
                assertEquals(mean(acc), r.accuracyMean(), SUMS, p + "mean");
                assertEquals(std(acc), r.accuracyStd(), SUMS, p + "std");
                assertEquals(mean(thr), r.bestThreshold(), SUMS, p + "threshold");

                double[] val = t.get(p + "output.val").toDoubleArray();
                double[] valStd = t.get(p + "output.val_std").toDoubleArray();
                double[] far = t.get(p + "output.far").toDoubleArray();
                double[] targets = {1e-3, 1e-2, 1e-1};
                for (int k = 0; k < targets.length; k++) {
                    TenFoldVerification.Val v = TenFoldVerification.valAtFar(first, second, same, targets[k], 10);
                    assertEquals(val[k], v.valMean(), SUMS, p + "val at " + targets[k]);
                    assertEquals(valStd[k], v.valStd(), SUMS, p + "val std at " + targets[k]);
                    assertEquals(far[k], v.farMean(), SUMS, p + "far at " + targets[k]);
                }
            }
            assertEquals(4, cases);
        }
    }

    private static float[][] rows(Tensor x) {
        int n = x.shape()[0];
        int d = x.shape()[1];
        float[] flat = x.toFloatArray();
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Population standard deviation, as np.std. */
    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
