package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The homogenisation step against PyTorch autograd (golden file written by
 * make_gif_cases.py), the blocked sweep against the unblocked one (one block holding every
 * row), and against a float64 objective written out here.
 */
class HomogenisationTest {
    private static final Homogenisation.Options OPT = new Homogenisation.Options(2.0, 0.1, 0.05, 512);

    @Test
    void oneStepMatchesAutograd() throws IOException {
        oneStep("homogenisation_step.txt", OPT);
    }

    @Test
    void oneStepAtLargeTemperatureOnClusteredVectorsMatchesAutograd() throws IOException {
        // t = 50: weights exp(t s) spanning e^100, which the shift by t keeps in range
        oneStep("homogenisation_step_hard.txt", new Homogenisation.Options(50.0, 0.1, 0.05, 512));
    }

    private static void oneStep(String file, Homogenisation.Options opt) throws IOException {
        Map<String, double[][]> g = GoldenText.read("/golden/gif/" + file);
        for (int rows : new int[] {1, 3, 7}) {
            Homogenisation h = new Homogenisation(GoldenText.floats(g.get("start")), GoldenText.floats(g.get("anchor")),
                    opt.withBlockRows(rows));
            double loss = h.step();
            // the inputs are exact float32 values and the sums float64: only summation order differs
            assertEquals(g.get("loss")[0][0], loss, 1e-12 * Math.max(1, Math.abs(g.get("loss")[0][0])));
            double[][] want = g.get("next");
            float[][] got = h.vectors();
            for (int a = 0; a < want.length; a++) {
                for (int i = 0; i < want[a].length; i++) {
                    // the new vectors are stored as float32: half an ulp of values below 1
                    assertEquals(want[a][i], got[a][i], 1e-7, "row " + a + " coordinate " + i);
                }
            }
        }
    }

    @Test
    void blockedEqualsUnblocked() {
        int m = 23;
        float[][] v = randomUnit(m, 6, 5);
        float[][] whole = copy(v);
        Homogenisation one = new Homogenisation(whole, OPT.withBlockRows(m));
        Homogenisation[] blocked = {new Homogenisation(copy(v), OPT.withBlockRows(1)), new Homogenisation(copy(v), OPT.withBlockRows(4)),
                new Homogenisation(copy(v), OPT.withBlockRows(10))};
        for (int step = 0; step < 5; step++) {
            double ref = one.step();
            for (Homogenisation b : blocked) {
                // only the order of the float64 sums differs between block sizes
                assertEquals(ref, b.step(), 1e-12);
            }
        }
        for (Homogenisation b : blocked) {
            for (int a = 0; a < m; a++) {
                for (int i = 0; i < 6; i++) {
                    // float32 outputs of float64 sums in another order: at most one ulp apart
                    assertEquals(one.vectors()[a][i], b.vectors()[a][i], 2e-7);
                }
            }
        }
    }

    @Test
    void lossMatchesFormulaAndDecreases() {
        float[][] v = randomUnit(17, 4, 9);
        float[][] v0 = copy(v);
        Homogenisation h = new Homogenisation(v, OPT.withBlockRows(5));
        double first = h.loss();
        // log-sum-exp in float64 over 272 terms written out directly
        assertEquals(naiveLoss(v0, v0, 2.0, 0.1), first, 1e-12);
        double last = first;
        for (int s = 0; s < 20; s++) {
            last = h.step();
        }
        assertEquals(naiveLoss(h.vectors(), v0, 2.0, 0.1), h.loss(), 1e-12);
        assertTrue(h.loss() < first, "homogenisation should lower its objective: " + first + " -> " + h.loss());
        assertTrue(last <= first);
    }

    static double naiveLoss(float[][] v, float[][] v0, double t, double lam) {
        double z = 0;
        for (int a = 0; a < v.length; a++) {
            for (int b = 0; b < v.length; b++) {
                if (a != b) {
                    double s = 0;
                    for (int i = 0; i < v[a].length; i++) {
                        s += (double) v[a][i] * v[b][i];
                    }
                    z += Math.exp(t * s);
                }
            }
        }
        double anchor = 0;
        for (int a = 0; a < v.length; a++) {
            for (int i = 0; i < v[a].length; i++) {
                double d = (double) v[a][i] - v0[a][i];
                anchor += d * d;
            }
        }
        return Math.log(z) + lam / v.length * anchor;
    }

    static float[][] randomUnit(int m, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[m][d];
        for (int a = 0; a < m; a++) {
            double n = 0;
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = r.nextGaussian();
                n += x[i] * x[i];
            }
            for (int i = 0; i < d; i++) {
                v[a][i] = (float) (x[i] / Math.sqrt(n));
            }
        }
        return v;
    }

    static float[][] copy(float[][] v) {
        float[][] c = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            c[i] = v[i].clone();
        }
        return c;
    }
}
