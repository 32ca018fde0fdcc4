package panface.nn.data;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Batch mixup with label smoothing, as timm's {@code Mixup} in batch mode without CutMix (the LAFS
 * fine-tuning's data augmentation): with probability {@code prob} a batch is mixed with itself
 * reversed, x <- lambda x + (1 - lambda) x.flip(0), lambda ~ Beta(alpha, alpha); otherwise lambda
 * is 1. The targets are soft in either case: each row's smoothed one-hot (smoothing / C off the
 * label, 1 - smoothing + smoothing / C on it) mixed with the reversed batch's by the same lambda, so
 * a loss over them is the soft-target cross-entropy.
 *
 * @param alpha     the Beta distribution's two parameters (LAFS: 0.2)
 * @param prob      the probability that a batch is mixed (LAFS: 0.1)
 * @param smoothing label smoothing of the targets (timm's default 0.1)
 */
public record Mixup(double alpha, double prob, double smoothing) {
    /** A batch after mixup: the images, the soft targets (N, C) and the lambda used (1 when not mixed). */
    public record Mixed(Tensor images, Tensor targets, double lambda) {
    }

    public Mixup {
        if (!(alpha > 0) || !(prob >= 0 && prob <= 1) || !(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("mixup needs alpha > 0, prob in [0, 1] and smoothing in [0, 1), got alpha " + alpha
                    + ", prob " + prob + ", smoothing " + smoothing);
        }
    }

    /** LAFS fine-tuning's settings: alpha 0.2, probability 0.1, label smoothing 0.1. */
    public static Mixup lafs() {
        return new Mixup(0.2, 0.1, 0.1);
    }

    /**
     * Mixes images (N, ...) with labels (N) of numClasses classes; draws from g (one value for the
     * coin, more for lambda when mixed). N must be even, as timm requires, so no row is mixed with itself.
     */
    public Mixed apply(Tensor images, Tensor labels, int numClasses, Generator g) {
        int n = images.size(0);
        if (labels.dim() != 1 || labels.size(0) != n) {
            throw new IllegalArgumentException("mixup needs one label per image, got " + labels.describe() + " for " + images.describe());
        }
        if (n % 2 != 0) {
            throw new IllegalArgumentException("mixup mixes a batch with itself reversed: the batch size must be even, got " + n);
        }
        double lambda = g.nextDouble() < prob ? beta(alpha, g) : 1.0;
        long[] y = labels.toLongArray();
        double off = smoothing / numClasses;
        double on = 1 - smoothing + off;
        double[] t = new double[n * numClasses];
        java.util.Arrays.fill(t, off);
        for (int i = 0; i < n; i++) {
            int a = (int) y[i];
            int b = (int) y[n - 1 - i];
            if (a < 0 || a >= numClasses || b < 0 || b >= numClasses) {
                throw new IllegalArgumentException("label " + (a < 0 || a >= numClasses ? a : b) + " is outside [0, " + numClasses + ")");
            }
            t[i * numClasses + a] += lambda * (on - off);
            t[i * numClasses + b] += (1 - lambda) * (on - off);
        }
        Tensor targets = Tensor.of(t, n, numClasses).to(images.dtype() == DType.F64 ? DType.F64 : DType.F32).to(images.device());
        Tensor mixed = lambda == 1.0 ? images : images.mul(lambda).add(F.flip(images, 0).mul(1 - lambda));
        return new Mixed(mixed, targets, lambda);
    }

    /** A Beta(a, a) draw as X / (X + Y) of two Gamma(a) draws. */
    static double beta(double a, Generator g) {
        double x = gamma(a, g);
        double y = gamma(a, g);
        return x + y == 0 ? (g.nextDouble() < 0.5 ? 0 : 1) : x / (x + y);
    }

    /**
     * A Gamma(a, 1) draw: Marsaglia and Tsang's method, for a < 1 boosted as Gamma(a + 1) U^(1/a)
     * (done in logarithms, since U^(1/a) underflows for small a).
     */
    static double gamma(double a, Generator g) {
        if (a < 1) {
            double logU = Math.log(1 - g.nextDouble());
            return Math.exp(Math.log(gamma(a + 1, g)) + logU / a);
        }
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(g);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1 - g.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /** A standard normal draw (Box-Muller, one of the pair). */
    private static double normal(Generator g) {
        double u1 = 1 - g.nextDouble();
        double u2 = g.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
