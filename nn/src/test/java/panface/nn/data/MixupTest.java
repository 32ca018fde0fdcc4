package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** timm's batch mixup with label smoothing, checked against its definition and Beta(alpha, alpha)'s moments. */
class MixupTest {
    private final Tensor images = Tensor.randn(new Generator(5), 4, 3, 2, 2).to(DType.F64);
    private final Tensor labels = Tensor.of(new long[] {2, 0, 1, 2});

    @Test
    void anUnmixedBatchKeepsItsImagesAndGetsSmoothedOneHotTargets() {
        Mixup.Mixed m = new Mixup(0.2, 0, 0.1).apply(images, labels, 3, new Generator(1));
        assertEquals(1.0, m.lambda());
        assertArrayEquals(images.toDoubleArray(), m.images().toDoubleArray());
        double off = 0.1 / 3;
        double on = 0.9 + off;
        assertArrayEquals(new double[] {off, off, on, on, off, off, off, on, off, off, off, on}, m.targets().toDoubleArray(), 1e-15);
    }

    @Test
    void aMixedBatchBlendsEachRowWithTheReversedBatch() {
        Mixup.Mixed m = new Mixup(0.2, 1, 0.1).apply(images, labels, 3, new Generator(2));
        double lam = m.lambda();
        assertTrue(lam >= 0 && lam <= 1);
        double[] x = images.toDoubleArray();
        double[] got = m.images().toDoubleArray();
        int per = 12;
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < per; k++) {
                assertEquals(lam * x[i * per + k] + (1 - lam) * x[(3 - i) * per + k], got[i * per + k], 1e-12);
            }
        }
        long[] y = {2, 0, 1, 2};
        double off = 0.1 / 3;
        double on = 0.9 + off;
        double[] t = m.targets().toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double rowSum = 0;
            for (int j = 0; j < 3; j++) {
                double want = lam * (j == y[i] ? on : off) + (1 - lam) * (j == y[3 - i] ? on : off);
                assertEquals(want, t[i * 3 + j], 1e-12);
                rowSum += t[i * 3 + j];
            }
            assertEquals(1, rowSum, 1e-12);
        }
    }

    @Test
    void lambdaFollowsBetaAlphaAlphaAndTheCoin() {
        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); for a = 0.2 mostly near 0 or 1
        Generator g = new Generator(9);
        int n = 20_000;
        for (double a : new double[] {0.2, 1, 3}) {
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double b = Mixup.beta(a, g);
                sum += b;
                sq += b * b;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            double wantVar = 1 / (4 * (2 * a + 1));
            // standard errors at 20,000 draws are below 0.004 (mean) and 0.003 (variance): five of them
            assertEquals(0.5, mean, 0.02, "mean, alpha " + a);
            assertEquals(wantVar, var, 0.015, "variance, alpha " + a);
        }
        int mixed = 0;
        Mixup mix = new Mixup(0.2, 0.1, 0);
        for (int i = 0; i < 4000; i++) {
            if (mix.apply(images, labels, 3, g).lambda() != 1.0) {
                mixed++;
            }
        }
        // binomial(4000, 0.1): sd 19
        assertEquals(400, mixed, 80);
    }

    @Test
    void badInputIsRefused() {
        Mixup mix = Mixup.lafs();
        assertThrows(IllegalArgumentException.class, () -> mix.apply(images.narrow(0, 0, 3), Tensor.of(new long[] {0, 1, 2}), 3,
                new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> mix.apply(images, Tensor.of(new long[] {0, 1, 2, 3}), 3, new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> new Mixup(0, 0.1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new Mixup(0.2, 1.5, 0.1));
    }
}
