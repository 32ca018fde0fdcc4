package panface.tensor.cpu;

import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;

/**
 * The scalar definitions of every elementwise op and its derivative, in double. This is the
 * specification the vectorised kernels (and the CUDA kernels) are checked against; semantics
 * follow PyTorch, including the gradient conventions at kinks.
 */
public final class ScalarMath {
    private static final double SQRT_2 = Math.sqrt(2.0);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private ScalarMath() {
    }

    /** op(x) with parameters a, b. */
    public static double apply(UnaryOp op, double x, double a, double b) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> Double.isNaN(x) ? 0.0 : Math.signum(x);
            case RECIPROCAL -> 1.0 / x;
            case SQUARE -> x * x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ACOS -> Math.acos(x);
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            case RELU6 -> Double.isNaN(x) ? x : Math.min(Math.max(x, 0.0), 6.0);
            case LEAKY_RELU -> x > 0 ? x : a * x;
            case SIGMOID -> sigmoid(x);
            case TANH -> Math.tanh(x);
            case SILU -> x * sigmoid(x);
            case GELU -> 0.5 * x * (1.0 + erf(x / SQRT_2));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case HARDSWISH -> x * Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0;
            case HARDSIGMOID -> Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0;
            case POW -> Math.pow(x, a);
            case CLAMP -> Double.isNaN(x) ? x : Math.min(Math.max(x, a), b);
            case AFFINE -> a * x + b;
            case ERF -> erf(x);
            case NONZERO -> x != 0 ? 1.0 : 0.0;
            case NOT -> x == 0 ? 1.0 : 0.0;
        };
    }

    /** d op(x) / dx given x and y = op(x). */
    public static double derivative(UnaryOp op, double x, double y, double a, double b) {
        return switch (op) {
            case NEG -> -1.0;
            case EXP -> y;
            case LOG -> 1.0 / x;
            case SQRT -> 0.5 / y;
            case RSQRT -> -0.5 * y * y * y;
            case ABS -> x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
            case SIGN, NONZERO, NOT -> 0.0;
            case RECIPROCAL -> -y * y;
            case SQUARE -> 2.0 * x;
            case SIN -> Math.cos(x);
            case COS -> -Math.sin(x);
            case ACOS -> -1.0 / Math.sqrt(1.0 - x * x);
            case RELU -> x <= 0 ? 0.0 : 1.0;
            case RELU6 -> x <= 0 || x >= 6 ? 0.0 : 1.0;
            case LEAKY_RELU -> x > 0 ? 1.0 : a;
            case SIGMOID -> y * (1.0 - y);
            case TANH -> 1.0 - y * y;
            case SILU -> {
                double s = sigmoid(x);
                yield s * (1.0 + x * (1.0 - s));
            }
            case GELU -> 0.5 * (1.0 + erf(x / SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
            case GELU_TANH -> {
                double x2 = x * x;
                double inner = SQRT_2_OVER_PI * (x + 0.044715 * x2 * x);
                double t = Math.tanh(inner);
                double dInner = SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x2);
                yield 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dInner;
            }
            case HARDSWISH -> x < -3.0 ? 0.0 : (x <= 3.0 ? x / 3.0 + 0.5 : 1.0);
            // PyTorch's CPU kernel uses the float constant 1.0f/6.0f here, also for double tensors;
            // matching it keeps float64 results identical to the reference (a 3e-8 relative difference).
            case HARDSIGMOID -> x > -3.0 && x < 3.0 ? (double) (1.0f / 6.0f) : 0.0;
            case POW -> a == 0.0 ? 0.0 : a * Math.pow(x, a - 1.0);
            case CLAMP -> x >= a && x <= b ? 1.0 : 0.0;
            case AFFINE -> a;
            case ERF -> TWO_OVER_SQRT_PI * Math.exp(-x * x);
        };
    }

    /** x op y. Predicates return 1 or 0. */
    public static double apply(BinaryOp op, double x, double y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.max(x, y);
            case MIN -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.min(x, y);
            case POW -> Math.pow(x, y);
            case EQ -> x == y ? 1 : 0;
            case NE -> x != y ? 1 : 0;
            case LT -> x < y ? 1 : 0;
            case LE -> x <= y ? 1 : 0;
            case GT -> x > y ? 1 : 0;
            case GE -> x >= y ? 1 : 0;
            case AND -> x != 0 && y != 0 ? 1 : 0;
            case OR -> x != 0 || y != 0 ? 1 : 0;
        };
    }

    /** x op y on integers (exact for I64). */
    public static long apply(BinaryOp op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> {
                if (y == 0) {
                    throw new ArithmeticException("integer division by zero");
                }
                yield Math.floorDiv(x, y);
            }
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case POW -> (long) Math.pow(x, y);
            case EQ -> x == y ? 1 : 0;
            case NE -> x != y ? 1 : 0;
            case LT -> x < y ? 1 : 0;
            case LE -> x <= y ? 1 : 0;
            case GT -> x > y ? 1 : 0;
            case GE -> x >= y ? 1 : 0;
            case AND -> x != 0 && y != 0 ? 1 : 0;
            case OR -> x != 0 || y != 0 ? 1 : 0;
        };
    }

    /** The logistic function, stable for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /**
     * The error function to about 1e-15 relative: a series with positive terms for |x| &lt; 3
     * (erf x = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (1*3*...*(2n+1))) and the continued
     * fraction of erfc beyond.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        double r;
        if (ax < 3.0) {
            double x2 = ax * ax;
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= 2.0 * x2 / (2 * n + 1);
                sum += term;
                if (term < sum * 1e-17) {
                    break;
                }
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else if (ax < 27.0) {
            r = 1.0 - erfcContinuedFraction(ax);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    /** erfc(x) for x &gt;= 3 by the modified Lentz evaluation of its continued fraction. */
    private static double erfcContinuedFraction(double x) {
        // erfc x = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int k = 1; k < 500; k++) {
            double an = k * 0.5;
            d = x + an * d;
            d = d == 0 ? tiny : d;
            c = x + an / c;
            c = c == 0 ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
