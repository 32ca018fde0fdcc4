package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Landmark perturbation and sampling with replacement, checked against direct computations. */
class LandmarkSamplingTest {

    @Test
    void selectPicksTheIndexedLandmarksAndRoutesGradientsBack() {
        double[] r = new double[2 * 5 * 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = i * 1.5;
        }
        Tensor lm = Tensor.of(r, 2, 5, 2).requiresGrad(true);
        Tensor idx = Tensor.of(new long[] {4, 4, 0, 1, 3, 2}, 2, 3);
        Tensor out = LandmarkSampling.select(lm, idx);
        double[] got = out.toDoubleArray();
        long[] ix = {4, 4, 0, 1, 3, 2};
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < 3; j++) {
                for (int c = 0; c < 2; c++) {
                    assertEquals(r[(b * 5 + (int) ix[b * 3 + j]) * 2 + c], got[(b * 3 + j) * 2 + c], 0);
                }
            }
        }
        out.sum().backward();
        double[] g = lm.grad().toDoubleArray();
        // landmark 4 of sample 0 was drawn twice: gradient 2 on both coordinates; landmark 1 of sample 0 not at all
        assertEquals(2, g[(0 * 5 + 4) * 2], 0);
        assertEquals(0, g[(0 * 5 + 1) * 2 + 1], 0);
        assertEquals(1, g[(1 * 5 + 2) * 2], 0);
    }

    @Test
    void drawnIndicesCoverTheRangeWithRepeats() {
        Tensor idx = LandmarkSampling.drawIndices(64, 196, 36, new Generator(3));
        assertEquals(DType.I64, idx.dtype());
        double[] v = idx.toDoubleArray();
        int[] counts = new int[196];
        boolean repeatInARow = false;
        for (int b = 0; b < 64; b++) {
            java.util.Set<Double> seen = new java.util.HashSet<>();
            for (int j = 0; j < 36; j++) {
                double x = v[b * 36 + j];
                assertTrue(x >= 0 && x < 196 && x == Math.rint(x));
                counts[(int) x]++;
                repeatInARow |= !seen.add(x);
            }
        }
        // 64 rows of 36 draws from 196: a row repeats an index with probability ~0.97, so some row does
        assertTrue(repeatInARow, "sampling is with replacement");
        long used = java.util.Arrays.stream(counts).filter(c -> c > 0).count();
        assertTrue(used > 180, "2304 uniform draws leave few of 196 indices unused, got " + used + " used");
    }

    @Test
    void perturbationHasTheRequestedSpread() {
        Tensor lm = Tensor.zeros(DType.F64, 100, 196, 2);
        double[] d = LandmarkSampling.perturb(lm, 5, new Generator(1)).toDoubleArray();
        double s = 0;
        double s2 = 0;
        for (double x : d) {
            s += x;
            s2 += x * x;
        }
        double mean = s / d.length;
        double sd = Math.sqrt(s2 / d.length - mean * mean);
        // 39200 draws: the sample sd of N(0, 25) is within 2% of 5 with overwhelming probability
        assertEquals(5, sd, 0.1);
        assertEquals(0, mean, 0.1);
        assertTrue(LandmarkSampling.perturb(lm, 0, new Generator(1)) == lm);
    }
}
