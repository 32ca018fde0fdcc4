package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocCurveTest {
    // Rates are ratios of small integers computed in double on both sides.
    private static final double EXACT = 1e-12;

    @TempDir
    Path dir;

    /** Same pairs score 0.9, 0.8, 0.5; different ones 0.7, 0.5, 0.3, 0.1 (one tie at 0.5). */
    private static RocCurve small() {
        return RocCurve.of(new double[] {0.9, 0.7, 0.8, 0.5, 0.5, 0.3, 0.1}, new boolean[] {true, false, true, true, false, false, false});
    }

    @Test
    void pointsMoveTiesTogether() {
        // Thresholds 0.9, 0.8, 0.7, 0.5 (the tie: one same, one different at once), 0.3, 0.1.
        RocCurve r = small();
        assertArrayEquals(new double[] {0, 0, 0, 0.25, 0.5, 0.75, 1}, r.falseAcceptRates(), EXACT);
        assertArrayEquals(new double[] {0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1, 1}, r.trueAcceptRates(), EXACT);
    }

    @Test
    void tarAtFarIsTheBestThresholdWithinTheFar() {
        RocCurve r = small();
        // No false accept allowed: threshold 0.8, two of three same pairs.
        assertEquals(2 / 3.0, r.tarAtFar(0), EXACT);
        assertEquals(0.8, r.thresholdAtFar(0), EXACT);
        // One allowed (FAR 0.25 .. 0.49 of 4 negatives): threshold 0.7; the tie at 0.5 would bring a second one.
        assertEquals(2 / 3.0, r.tarAtFar(0.25), EXACT);
        assertEquals(2 / 3.0, r.tarAtFar(0.49), EXACT);
        assertEquals(0.7, r.thresholdAtFar(0.49), EXACT);
        // Two allowed: the tie is accepted, all same pairs.
        assertEquals(1.0, r.tarAtFar(0.5), EXACT);
        assertFalse(r.resolves(0.2));
        assertTrue(r.resolves(0.25));
        assertThrows(IllegalArgumentException.class, () -> r.tarAtFar(1.5));
    }

    @Test
    void aucCountsTiesHalf() {
        // Same 0.9 and 0.8 beat all 4 different pairs; 0.5 beats 0.3 and 0.1 and ties 0.5: (4 + 4 + 2.5) / 12.
        assertEquals(10.5 / 12, small().auc(), EXACT);
    }

    @Test
    void randomScoresAgreeWithBruteForce() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + rnd.nextInt(60);
            double[] s = new double[n];
            boolean[] same = new boolean[n];
            same[0] = true;
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(12) / 4.0;  // coarse values: many ties
                same[i] = i == 0 || (i != 1 && rnd.nextBoolean());
            }
            RocCurve r = RocCurve.of(s, same);
            int pos = 0;
            int neg = 0;
            double wins = 0;
            for (int i = 0; i < n; i++) {
                if (same[i]) {
                    pos++;
                } else {
                    neg++;
                }
                for (int j = 0; j < n; j++) {
                    if (same[i] && !same[j]) {
                        wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            // Tolerance: the trapezoid sum and the pair count add the same rationals in different orders.
            assertEquals(wins / ((double) pos * neg), r.auc(), 1e-12);
            for (double far : new double[] {0, 0.01, 0.1, 0.3, 0.5, 1}) {
                // Brute force: every candidate threshold "accept s >= t", t a score or +infinity.
                double best = 0;
                for (int c = -1; c < n; c++) {
                    double t = c < 0 ? Double.POSITIVE_INFINITY : s[c];
                    int fa = 0;
                    int ta = 0;
                    for (int i = 0; i < n; i++) {
                        if (s[i] >= t) {
                            if (same[i]) {
                                ta++;
                            } else {
                                fa++;
                            }
                        }
                    }
                    if (fa <= Math.floor(far * neg + 1e-9)) {
                        best = Math.max(best, (double) ta / pos);
                    }
                }
                assertEquals(best, r.tarAtFar(far), EXACT);
            }
        }
    }

    @Test
    void writesAPng() throws Exception {
        Random rnd = new Random(1);
        int n = 2000;
        double[] s = new double[n];
        boolean[] same = new boolean[n];
        for (int i = 0; i < n; i++) {
            same[i] = i % 4 == 0;
            s[i] = rnd.nextGaussian() + (same[i] ? 2 : 0);
        }
        Path png = dir.resolve("sub/roc.png");
        RocCurve.of(s, same).writePng(png, "toy");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(RocPlot.WIDTH, img.getWidth());
        assertEquals(RocPlot.HEIGHT, img.getHeight());
        // 1500 negatives resolve 1e-3: the axis starts at the decade of 1/1500, 1e-4.
        assertEquals(-4, RocPlot.lowestDecade(1500));
        assertEquals(-1, RocPlot.lowestDecade(3));
        assertEquals(-3, RocPlot.lowestDecade(1000));
    }
}
