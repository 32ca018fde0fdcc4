package panface.nn;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/**
 * Weight initialisers with PyTorch's (and timm's) definitions, drawing from a Philox generator so
 * that a seed reproduces a model exactly.
 */
public final class Init {
    private Init() {
    }

    /** Uniform on [lo, hi). */
    public static Tensor uniform(Generator gen, double lo, double hi, int... shape) {
        return Tensor.random(gen, Distribution.UNIFORM, lo, hi, Device.CPU, DType.F32, shape);
    }

    /** Normal with a mean and standard deviation. */
    public static Tensor normal(Generator gen, double mean, double std, int... shape) {
        return Tensor.random(gen, Distribution.NORMAL, mean, std, Device.CPU, DType.F32, shape);
    }

    /**
     * timm's trunc_normal_: normal(mean, std) truncated to the absolute bounds [a, b] (default
     * [-2, 2], i.e. for std 0.02 effectively untruncated, as in the reference), drawn by inverse
     * CDF from uniform values so that no sample is rejected (or, when the bounds lie beyond 8
     * standard deviations, as a clamped normal).
     */
    public static Tensor truncNormal(Generator gen, double mean, double std, double a, double b, int... shape) {
        if ((a - mean) / std <= -8 && (b - mean) / std >= 8) {
            // bounds beyond 8 sigma truncate a mass below 1e-15: a clamped normal is the same distribution
            return normal(gen, mean, std, shape).clamp(a, b);
        }
        double lo = cdf((a - mean) / std);
        double hi = cdf((b - mean) / std);
        double[] u = uniform(gen, 0, 1, shape).toDoubleArray();
        for (int i = 0; i < u.length; i++) {
            double p = lo + (hi - lo) * u[i];
            p = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
            u[i] = Math.min(Math.max(mean + std * Math.sqrt(2) * inverseErf(2 * p - 1), a), b);
        }
        return Tensor.of(u, shape).to(DType.F32);
    }

    /** timm's default: truncation at the absolute bounds -2 and 2. */
    public static Tensor truncNormal(Generator gen, double std, int... shape) {
        return truncNormal(gen, 0, std, -2, 2, shape);
    }

    /** PyTorch's default Linear/Conv weight: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public static Tensor kaimingUniformDefault(Generator gen, int fanIn, int... shape) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return uniform(gen, -bound, bound, shape);
    }

    /** kaiming_normal_(mode, nonlinearity='relu'): normal(0, sqrt(2 / fan)). */
    public static Tensor kaimingNormal(Generator gen, int fan, int... shape) {
        return normal(gen, 0, Math.sqrt(2.0 / fan), shape);
    }

    private static double cdf(double x) {
        return 0.5 * (1 + panface.tensor.math.ScalarMath.erf(x / Math.sqrt(2)));
    }

    /** Inverse error function by Newton's method from a good start (Giles' approximation). */
    static double inverseErf(double y) {
        if (y <= -1) {
            return Double.NEGATIVE_INFINITY;
        }
        if (y >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        double w = -Math.log((1 - y) * (1 + y));
        double x;
        if (w < 5) {
            w -= 2.5;
            double p = 2.81022636e-08;
            p = 3.43273939e-07 + p * w;
            p = -3.5233877e-06 + p * w;
            p = -4.39150654e-06 + p * w;
            p = 0.00021858087 + p * w;
            p = -0.00125372503 + p * w;
            p = -0.00417768164 + p * w;
            p = 0.246640727 + p * w;
            p = 1.50140941 + p * w;
            x = p * y;
        } else {
            w = Math.sqrt(w) - 3;
            double p = -0.000200214257;
            p = 0.000100950558 + p * w;
            p = 0.00134934322 + p * w;
            p = -0.00367342844 + p * w;
            p = 0.00573950773 + p * w;
            p = -0.0076224613 + p * w;
            p = 0.00943887047 + p * w;
            p = 1.00167406 + p * w;
            p = 2.83297682 + p * w;
            x = p * y;
        }
        for (int i = 0; i < 2; i++) {
            double err = panface.tensor.math.ScalarMath.erf(x) - y;
            x -= err / (2 / Math.sqrt(Math.PI) * Math.exp(-x * x));
        }
        return x;
    }
}
