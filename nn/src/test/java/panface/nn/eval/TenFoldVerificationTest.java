package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The protocol on cases small enough to work out by hand: the expected folds, thresholds and accuracies are in the comments. */
class TenFoldVerificationTest {
    // Exact: these rates are ratios of small integers, computed in double on both sides.
    private static final double EXACT = 1e-12;

    /** Unit vectors whose squared distance is exact: 0 (equal), 2 (orthogonal) or 2 - sqrt(2) (45 degrees). */
    private static final float[] E1 = {1, 0};
    private static final float[] E2 = {0, 1};
    private static final float[] DIAG = {1, 1};

    @Test
    void sameAtZeroDifferentAtTwoChoosesTheFirstThresholdAboveZero() {
        // d = 0 for same pairs, 2 for different ones. Thresholds 0.01 .. 2.00 are all perfect on any
        // training set; d < 0 never holds, so threshold 0 misses every same pair. First max: 0.01.
        // With d <= thr, 0.00 would win; with the last max, 2.00.
        int n = 10;
        float[][] a = new float[n][];
        float[][] b = new float[n][];
        boolean[] same = new boolean[n];
        for (int i = 0; i < n; i++) {
            same[i] = i % 2 == 0;
            a[i] = E1;
            b[i] = same[i] ? E1 : E2;
        }
        List<TenFoldVerification.Fold> folds = TenFoldVerification.folds(a, b, same, 10);
        for (TenFoldVerification.Fold f : folds) {
            assertEquals(0.01, f.threshold(), EXACT);
            assertEquals(1.0, f.accuracy(), EXACT);
        }
        VerificationResult r = TenFoldVerification.evaluate("toy", a, b, same);
        assertEquals(1.0, r.accuracyMean(), EXACT);
        assertEquals(0.0, r.accuracyStd(), EXACT);
        assertEquals(0.01, r.bestThreshold(), EXACT);
        assertEquals(1.0, r.normMean(), EXACT);
    }

    @Test
    void thresholdIsChosenOnTheOtherFoldsOnly() {
        // Pair 0: same at d = 2 - sqrt(2) = 0.5858; pair 1: different at the same distance; the rest
        // same at 0 or different at 2. Fold 0 (tests pair 0) trains without it: 0.01..0.58 are perfect,
        // first 0.01, and pair 0 (d >= 0.01) is then called different: accuracy 0. Fold 1 trains without
        // pair 1: 0.59..2.00 are perfect, first 0.59, and pair 1 (d < 0.59) is called same: accuracy 0.
        // Folds 2..9 see both: every threshold up to 2.00 above 0 gets 8 of 9, first 0.01; accuracy 1.
        int n = 10;
        float[][] a = new float[n][];
        float[][] b = new float[n][];
        boolean[] same = new boolean[n];
        a[0] = E1;
        b[0] = DIAG;
        same[0] = true;
        a[1] = E1;
        b[1] = DIAG;
        same[1] = false;
        for (int i = 2; i < n; i++) {
            same[i] = i % 2 == 0;
            a[i] = E1;
            b[i] = same[i] ? E1 : E2;
        }
        List<TenFoldVerification.Fold> folds = TenFoldVerification.folds(a, b, same, 10);
        assertEquals(0.01, folds.get(0).threshold(), EXACT);
        assertEquals(0.0, folds.get(0).accuracy(), EXACT);
        assertEquals(0.59, folds.get(1).threshold(), EXACT);
        assertEquals(0.0, folds.get(1).accuracy(), EXACT);
        for (int f = 2; f < 10; f++) {
            assertEquals(0.01, folds.get(f).threshold(), EXACT);
            assertEquals(1.0, folds.get(f).accuracy(), EXACT);
        }
        VerificationResult r = TenFoldVerification.evaluate("toy", a, b, same);
        assertEquals(0.8, r.accuracyMean(), EXACT);
        // Population std of eight 1s and two 0s: sqrt((8 * 0.2^2 + 2 * 0.8^2) / 10) = 0.4.
        assertEquals(0.4, r.accuracyStd(), EXACT);
        assertEquals((9 * 0.01 + 0.59) / 10, r.bestThreshold(), EXACT);
    }

    @Test
    void unevenFoldsGiveTheFirstFoldsOneMorePair() {
        // 13 pairs: folds of 2, 2, 2, 1, ..., 1 starting at 0, 2, 4, 6, 7, ..., 12.
        assertArrayEquals(new int[] {0, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13}, TenFoldVerification.foldStarts(13, 10));
        // One different pair at d = 0 is wrong for every chosen threshold (0.01). At index 5 it shares
        // fold 2 with index 4: accuracies nine 1s and one 0.5, mean 0.95, std sqrt((9 * 0.05^2 + 0.45^2) / 10) = 0.15.
        VerificationResult at5 = TenFoldVerification.evaluate("t", pairsWithOutlier(13, 5)[0], pairsWithOutlier(13, 5)[1], labels(13, 5));
        assertEquals(0.95, at5.accuracyMean(), EXACT);
        assertEquals(0.15, at5.accuracyStd(), EXACT);
        assertEquals(13, at5.pairs());
        // At index 6 it is alone in fold 3: nine 1s and one 0, mean 0.9, std sqrt((9 * 0.1^2 + 0.9^2) / 10) = 0.3.
        VerificationResult at6 = TenFoldVerification.evaluate("t", pairsWithOutlier(13, 6)[0], pairsWithOutlier(13, 6)[1], labels(13, 6));
        assertEquals(0.9, at6.accuracyMean(), EXACT);
        assertEquals(0.3, at6.accuracyStd(), EXACT);
    }

    private static float[][][] pairsWithOutlier(int n, int outlier) {
        float[][] a = new float[n][];
        float[][] b = new float[n][];
        boolean[] same = labels(n, outlier);
        for (int i = 0; i < n; i++) {
            a[i] = E1;
            b[i] = same[i] || i == outlier ? E1 : E2;
        }
        return new float[][][] {a, b};
    }

    private static boolean[] labels(int n, int outlier) {
        boolean[] same = new boolean[n];
        for (int i = 0; i < n; i++) {
            same[i] = i != outlier && i % 3 != 1;
        }
        return same;
    }

    @Test
    void normMeanIsTheMeanNormOfTheGivenEmbeddings() {
        // Norms 2 and 3 (pair 0), 5 and 5 (pair 1, a 3-4-5 triangle): mean 15 / 4.
        float[][] a = {{2, 0}, {3, 4}};
        float[][] b = {{0, 3}, {0, 5}};
        VerificationResult r = TenFoldVerification.evaluate("n", a, b, new boolean[] {true, false}, Double.NaN, 2);
        assertEquals(Double.NaN, r.normMean());
        float[][] a10 = new float[10][];
        float[][] b10 = new float[10][];
        boolean[] s10 = new boolean[10];
        for (int i = 0; i < 10; i++) {
            a10[i] = a[i % 2];
            b10[i] = b[i % 2];
            s10[i] = i % 2 == 0;
        }
        assertEquals(15.0 / 4, TenFoldVerification.evaluate("n", a10, b10, s10).normMean(), EXACT);
    }

    @Test
    void valAtFarInterpolatesThresholdOverFarAsInsightface() {
        // Same pairs at d = 0, different at d = 4 (opposite vectors). No threshold below 4 accepts a
        // different pair, so the training FAR never reaches 1e-3 and the threshold is 0: with d < 0
        // nothing is accepted, val 0 (d <= 0 would accept every same pair).
        int n = 10;
        float[][] a = new float[n][];
        float[][] b = new float[n][];
        boolean[] same = new boolean[n];
        float[] minusE1 = {-1, 0};
        for (int i = 0; i < n; i++) {
            same[i] = i % 2 == 0;
            a[i] = E1;
            b[i] = same[i] ? E1 : minusE1;
        }
        TenFoldVerification.Val v = TenFoldVerification.valAtFar(a, b, same, 1e-3, 5);
        assertEquals(0.0, v.valMean(), EXACT);
        assertEquals(0.0, v.farMean(), EXACT);
        // Different pairs at d = 2 instead: the training FAR is 0 up to threshold 2.000 (d < 2 fails) and 1
        // from 2.001 on. The interpolation starts at the last FAR <= 1e-3, threshold 2.000, and goes
        // 1e-3 of the way to 2.001: 2.000001 accepts every pair, val 1 and FAR 1.
        for (int i = 1; i < n; i += 2) {
            b[i] = E2;
        }
        v = TenFoldVerification.valAtFar(a, b, same, 1e-3, 5);
        assertEquals(1.0, v.valMean(), EXACT);
        assertEquals(0.0, v.valStd(), EXACT);
        assertEquals(1.0, v.farMean(), EXACT);
        double[] far = new double[4000];
        for (int t = 2001; t < 4000; t++) {
            far[t] = 1;
        }
        // Tolerance: the de Boor form rounds differently from 2 + 1e-6.
        assertEquals(2.000001, TenFoldVerification.interpolate(far, 1e-3), 1e-12);
    }

    @Test
    void refusesMismatchedOrTooFewPairs() {
        float[][] one = {E1};
        assertThrows(IllegalArgumentException.class, () -> TenFoldVerification.evaluate("x", one, one, new boolean[] {true}));
        assertThrows(IllegalArgumentException.class, () -> TenFoldVerification.evaluate("x", one, new float[0][], new boolean[] {true}));
        assertThrows(IllegalArgumentException.class, () -> TenFoldVerification.evaluate("x", new float[][] {E1, {1, 0, 0}},
                new float[][] {E1, E1}, new boolean[] {true, false}, 1, 2));
    }

    @Test
    void jsonHasTheDocumentedKeys() {
        VerificationResult r = new VerificationResult("lfw \"x\"", 6000, 0.5, 0.25, 1.5, Double.NaN);
        assertEquals("{\"name\":\"lfw \\\"x\\\"\",\"pairs\":6000,\"accuracy_mean\":0.5,\"accuracy_std\":0.25,\"best_threshold\":1.5,\"norm_mean\":null}",
                r.toJson());
    }
}
