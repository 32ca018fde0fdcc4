package panface.tensor.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import panface.tensor.math.ScalarMath;
import panface.tensor.math.VecMath;
import panface.tensor.math.VecReproducible;

/**
 * Elementwise unary operations, each described once, here: its reference formula and derivative
 * in double ({@link #apply}, {@link #derivative}: the specification, with PyTorch's semantics and
 * gradient conventions at kinks), the same in float32 on whole vectors for the CPU backend's fast
 * loops ({@link #vector}, {@link #vectorDerivative}), and the CUDA C++ code of both
 * ({@link #cudaForward}, {@link #cudaDerivative}). Parameters {@code a} and {@code b} are given by
 * the caller where the operation needs them; the others ignore them.
 *
 * <p>Everything else is derived from these descriptions: the CPU backend clones one vector loop per
 * op ({@code VecUnary}, so that the JIT inlines the op's vector form into a loop of its own),
 * the CUDA backend writes the op-code enum and the {@code unary_op}/{@code unary_derivative}
 * switches of its elementwise kernels from them when it compiles its kernels ({@code CudaUnaryOps}),
 * and the reference kernels call {@link #apply} and {@link #derivative}.
 *
 * <p><b>Adding an op</b> touches two files. (1) Here: a constant with its Javadoc (the formula, and
 * the gradient convention where there is a kink), its CUDA forward and derivative code as
 * constructor arguments, and bodies for the four abstract methods. The vector form must follow
 * the double form within float32 rounding: use {@link VecReproducible}'s exp, log and tanh rather
 * than the Vector API's operators (so every JIT tier gives the same bits) and {@link VecMath}'s
 * helpers. The constant may go anywhere in the list: the CUDA code receives {@link #ordinal()},
 * and its op-code table is written from this order. (2) The public function in
 * {@code panface.tensor.F} (or a method of {@code Tensor}). The tests then take the op up by
 * themselves, all of them iterating over {@link #values()}: {@code ElementwiseDifferentialTest}
 * runs the vector loops against {@link #apply} and {@link #derivative} at every length and on
 * special values (it needs the op's float32 error bound, a case of {@code Tolerances.unary} that
 * the compiler asks for: the one test file to edit), {@code CoreGradTest} checks
 * {@link #derivative} against finite differences, {@code FastPathParityTest} the fast kernel
 * against the reference, {@code VecUnaryTest} the op's cloned loops, {@code CudaOpTablesTest}
 * the generated CUDA table and {@code KernelSourcesTest} that NVRTC compiles it. Checking the
 * double form against PyTorch takes a golden case ({@code make_cases.py} and a line in
 * {@code TensorGoldenOps}), as for SOFTPLUS.
 */
public enum UnaryOp {
    /** -x */
    NEG("-x", "(C)-1") {
        @Override public double apply(double x, double a, double b) { return -x; }
        @Override public double derivative(double x, double y, double a, double b) { return -1.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.neg(); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(-1f); }
    },
    /** e^x */
    EXP("m_exp(x)", "y") {
        @Override public double apply(double x, double a, double b) { return Math.exp(x); }
        @Override public double derivative(double x, double y, double a, double b) { return y; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.exp(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return y; }
    },
    /** natural log */
    LOG("m_log(x)", "(C)1 / x") {
        @Override public double apply(double x, double a, double b) { return Math.log(x); }
        @Override public double derivative(double x, double y, double a, double b) { return 1.0 / x; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.log(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(1f).div(x); }

        // g / x rather than g * (1 / x), as PyTorch's log backward: 1 / x overflows for
        // subnormal x (below 2.9e-39), where the quotient is still finite.
        @Override
        public FloatVector vectorGradient(FloatVector g, FloatVector x, FloatVector y, float a, float b) {
            return g.div(x);
        }
    },
    /** square root */
    SQRT("m_sqrt(x)", "(C)0.5 / y") {
        @Override public double apply(double x, double a, double b) { return Math.sqrt(x); }
        @Override public double derivative(double x, double y, double a, double b) { return 0.5 / y; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.sqrt(); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(1f).mul(0.5f).div(y); }
    },
    /** 1/sqrt(x) */
    RSQRT("(C)1 / m_sqrt(x)", "(C)-0.5 * y * y * y") {
        @Override public double apply(double x, double a, double b) { return 1.0 / Math.sqrt(x); }
        @Override public double derivative(double x, double y, double a, double b) { return -0.5 * y * y * y; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.broadcast(1f).div(x.sqrt()); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return y.mul(y).mul(y).mul(-0.5f); }
    },
    /** |x|; gradient sign(x), 0 at 0 */
    ABS("m_abs(x)", "x > (C)0 ? (C)1 : (x < (C)0 ? (C)-1 : (C)0)") {
        @Override public double apply(double x, double a, double b) { return Math.abs(x); }
        @Override public double derivative(double x, double y, double a, double b) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.abs(); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return VecMath.absDerivative(x); }
    },
    /** sign(x) in {-1, 0, 1}, 0 at NaN (as PyTorch); zero gradient */
    SIGN("x > (C)0 ? (C)1 : (x < (C)0 ? (C)-1 : (C)0)", "(C)0") {
        @Override public double apply(double x, double a, double b) { return Double.isNaN(x) ? 0.0 : Math.signum(x); }
        @Override public double derivative(double x, double y, double a, double b) { return 0.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.sign(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(0f); }
    },
    /** 1/x */
    RECIPROCAL("(C)1 / x", "-y * y") {
        @Override public double apply(double x, double a, double b) { return 1.0 / x; }
        @Override public double derivative(double x, double y, double a, double b) { return -y * y; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.broadcast(1f).div(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return y.mul(y).neg(); }
    },
    /** x^2 */
    SQUARE("x * x", "(C)2 * x") {
        @Override public double apply(double x, double a, double b) { return x * x; }
        @Override public double derivative(double x, double y, double a, double b) { return 2.0 * x; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.mul(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.mul(2f); }
    },
    /** sin x */
    SIN("m_sin(x)", "m_cos(x)") {
        @Override public double apply(double x, double a, double b) { return Math.sin(x); }
        @Override public double derivative(double x, double y, double a, double b) { return Math.cos(x); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.strict(VecReproducible.Strict.SIN, x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return VecReproducible.strict(VecReproducible.Strict.COS, x);
        }
    },
    /** cos x */
    COS("m_cos(x)", "-m_sin(x)") {
        @Override public double apply(double x, double a, double b) { return Math.cos(x); }
        @Override public double derivative(double x, double y, double a, double b) { return -Math.sin(x); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.strict(VecReproducible.Strict.COS, x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return VecReproducible.strict(VecReproducible.Strict.SIN, x).neg();
        }
    },
    /** arccos x */
    ACOS("m_acos(x)", "(C)-1 / m_sqrt((C)1 - x * x)") {
        @Override public double apply(double x, double a, double b) { return Math.acos(x); }
        @Override public double derivative(double x, double y, double a, double b) { return -1.0 / Math.sqrt(1.0 - x * x); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.strict(VecReproducible.Strict.ACOS, x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            FloatVector one = x.broadcast(1f);
            return one.div(one.sub(x).mul(one.add(x)).sqrt()).neg();
        }
    },
    /** max(x, 0), NaN kept; the gradient passes except where x &lt;= 0 (so it passes at NaN, as PyTorch's threshold_backward) */
    RELU("x > (C)0 ? x : (m_isnan(x) ? x : (C)0)", "x <= (C)0 ? (C)0 : (C)1") {
        @Override public double apply(double x, double a, double b) { return x > 0 ? x : (Double.isNaN(x) ? x : 0.0); }
        @Override public double derivative(double x, double y, double a, double b) { return x <= 0 ? 0.0 : 1.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.keepNaN(x, x.max(0f)); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return x.broadcast(1f).blend(x.broadcast(0f), x.compare(VectorOperators.LE, 0f));
        }
    },
    /** min(max(x, 0), 6), NaN kept; the gradient passes except where x &lt;= 0 or x &gt;= 6 (so at NaN too), as PyTorch's hardtanh_backward */
    RELU6("m_isnan(x) ? x : clampc(x, (C)0, (C)6)", "x <= (C)0 || x >= (C)6 ? (C)0 : (C)1") {
        @Override public double apply(double x, double a, double b) { return Double.isNaN(x) ? x : Math.min(Math.max(x, 0.0), 6.0); }
        @Override public double derivative(double x, double y, double a, double b) { return x <= 0 || x >= 6 ? 0.0 : 1.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.keepNaN(x, x.max(0f).min(6f)); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return x.broadcast(1f).blend(x.broadcast(0f), x.compare(VectorOperators.LE, 0f).or(x.compare(VectorOperators.GE, 6f)));
        }
    },
    /** x for x &gt; 0, a*x otherwise */
    LEAKY_RELU("x > (C)0 ? x : a * x", "x > (C)0 ? (C)1 : a") {
        @Override public double apply(double x, double a, double b) { return x > 0 ? x : a * x; }
        @Override public double derivative(double x, double y, double a, double b) { return x > 0 ? 1.0 : a; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.blend(x.mul(a), x.compare(VectorOperators.LE, 0f)); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return x.broadcast(a).blend(x.broadcast(1f), x.compare(VectorOperators.GT, 0f));
        }
    },
    /** 1/(1+e^-x) */
    SIGMOID("sigmoid(x)", "y * ((C)1 - y)") {
        @Override public double apply(double x, double a, double b) { return ScalarMath.sigmoid(x); }
        @Override public double derivative(double x, double y, double a, double b) { return y * (1.0 - y); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.sigmoid(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return y.mul(x.broadcast(1f).sub(y)); }
    },
    /** tanh x */
    TANH("m_tanh(x)", "(C)1 - y * y") {
        @Override public double apply(double x, double a, double b) { return Math.tanh(x); }
        @Override public double derivative(double x, double y, double a, double b) { return 1.0 - y * y; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.tanh(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(1f).sub(y.mul(y)); }
    },
    /** x * sigmoid(x) */
    SILU("x * sigmoid(x)", "C s = sigmoid(x); return s * ((C)1 + x * ((C)1 - s));") {
        @Override public double apply(double x, double a, double b) { return x * ScalarMath.sigmoid(x); }
        @Override public double derivative(double x, double y, double a, double b) {
            double s = ScalarMath.sigmoid(x);
            return s * (1.0 + x * (1.0 - s));
        }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.mul(VecMath.sigmoid(x)); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            FloatVector s = VecMath.sigmoid(x);
            return s.mul(x.mul(x.broadcast(1f).sub(s)).add(1f));
        }
    },
    /** x * Phi(x) with the exact normal CDF */
    GELU("(C)0.5 * x * ((C)1 + m_erf(x * SQRT1_2))", "(C)0.5 * ((C)1 + m_erf(x * SQRT1_2)) + x * INV_SQRT_2PI * m_exp((C)-0.5 * x * x)") {
        @Override public double apply(double x, double a, double b) { return 0.5 * x * (1.0 + ScalarMath.erf(x / SQRT_2)); }
        @Override public double derivative(double x, double y, double a, double b) {
            return 0.5 * (1.0 + ScalarMath.erf(x / SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.gelu(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return VecMath.geluDerivative(x); }
    },
    /** PyTorch's tanh approximation of GELU */
    GELU_TANH("(C)0.5 * x * ((C)1 + m_tanh(SQRT_2_OVER_PI * (x + (C)0.044715 * x * x * x)))", """
            C x2 = x * x;
            C t = m_tanh(SQRT_2_OVER_PI * (x + (C)0.044715 * x2 * x));
            C d = SQRT_2_OVER_PI * ((C)1 + (C)3 * (C)0.044715 * x2);
            return (C)0.5 * ((C)1 + t) + (C)0.5 * x * ((C)1 - t * t) * d;""") {
        @Override public double apply(double x, double a, double b) {
            return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        }
        @Override public double derivative(double x, double y, double a, double b) {
            double x2 = x * x;
            double inner = SQRT_2_OVER_PI * (x + 0.044715 * x2 * x);
            double t = Math.tanh(inner);
            double dInner = SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x2);
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dInner;
        }
        @Override public FloatVector vector(FloatVector x, float a, float b) {
            FloatVector inner = x.mul(x).mul(0.044715f * VecMath.SQRT_2_OVER_PI).add(VecMath.SQRT_2_OVER_PI).mul(x);
            return x.mul(0.5f).mul(VecReproducible.tanh(inner).add(1f));
        }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            FloatVector x2 = x.mul(x);
            FloatVector t = VecReproducible.tanh(x2.mul(0.044715f * VecMath.SQRT_2_OVER_PI).add(VecMath.SQRT_2_OVER_PI).mul(x));
            FloatVector dInner = x2.mul(3f * 0.044715f * VecMath.SQRT_2_OVER_PI).add(VecMath.SQRT_2_OVER_PI);
            return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(x.broadcast(1f).sub(t.mul(t))).mul(dInner));
        }
    },
    /** x * relu6(x+3)/6 */
    HARDSWISH("x * clampc(x + (C)3, (C)0, (C)6) / (C)6", "x < (C)-3 ? (C)0 : (x <= (C)3 ? x / (C)3 + (C)0.5 : (C)1)") {
        @Override public double apply(double x, double a, double b) { return x * Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0; }
        @Override public double derivative(double x, double y, double a, double b) { return x < -3.0 ? 0.0 : (x <= 3.0 ? x / 3.0 + 0.5 : 1.0); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.mul(x.add(3f).max(0f).min(6f)).div(6f); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return VecMath.hardswishDerivative(x); }
    },
    /** relu6(x+3)/6 */
    HARDSIGMOID("clampc(x + (C)3, (C)0, (C)6) / (C)6", "x > (C)-3 && x < (C)3 ? (C)(1.0f / 6.0f) : (C)0") {
        @Override public double apply(double x, double a, double b) { return Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0; }
        // PyTorch's CPU kernel uses the float constant 1.0f/6.0f here, also for double tensors;
        // matching it keeps float64 results identical to the reference (a 3e-8 relative difference).
        @Override public double derivative(double x, double y, double a, double b) { return x > -3.0 && x < 3.0 ? (double) (1.0f / 6.0f) : 0.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.add(3f).max(0f).min(6f).div(6f); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return x.broadcast(0f).blend(x.broadcast(1.0f / 6.0f), x.compare(VectorOperators.GT, -3f).and(x.compare(VectorOperators.LT, 3f)));
        }
    },
    /** x^a */
    POW("m_pow(x, a)", "a == (C)0 ? (C)0 : a * m_pow(x, a - (C)1)") {
        @Override public double apply(double x, double a, double b) { return Math.pow(x, a); }
        @Override public double derivative(double x, double y, double a, double b) { return a == 0.0 ? 0.0 : a * Math.pow(x, a - 1.0); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecReproducible.pow(x, a); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return a == 0f ? x.broadcast(0f) : VecReproducible.pow(x, a - 1f).mul(a);
        }
    },
    /** min(max(x, a), b); gradient where a &lt;= x &lt;= b */
    CLAMP("m_isnan(x) ? x : (x < a ? a : (x > b ? b : x))", "x >= a && x <= b ? (C)1 : (C)0") {
        @Override public double apply(double x, double a, double b) { return Double.isNaN(x) ? x : Math.min(Math.max(x, a), b); }
        @Override public double derivative(double x, double y, double a, double b) { return x >= a && x <= b ? 1.0 : 0.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.keepNaN(x, x.max(a).min(b)); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return x.broadcast(0f).blend(x.broadcast(1f), x.compare(VectorOperators.GE, a).and(x.compare(VectorOperators.LE, b)));
        }
    },
    /** a*x + b */
    AFFINE("a * x + b", "a") {
        @Override public double apply(double x, double a, double b) { return a * x + b; }
        @Override public double derivative(double x, double y, double a, double b) { return a; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return x.fma(a, b); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { return x.broadcast(a); }
    },
    /** erf x */
    ERF("m_erf(x)", "TWO_OVER_SQRT_PI * m_exp(-x * x)") {
        @Override public double apply(double x, double a, double b) { return ScalarMath.erf(x); }
        @Override public double derivative(double x, double y, double a, double b) { return TWO_OVER_SQRT_PI * Math.exp(-x * x); }
        @Override public FloatVector vector(FloatVector x, float a, float b) { return VecMath.erf(x); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return VecReproducible.exp(x.mul(x).neg()).mul(VecMath.TWO_OVER_SQRT_PI);
        }
    },
    /**
     * log(1 + e^x), and x itself past x = 20 (PyTorch's default beta 1 and threshold 20); the
     * gradient is sigmoid(x), 1 past the threshold
     */
    SOFTPLUS("""
            C u = m_exp(-m_abs(x));
            C w = (C)1 + u;
            C l = w == (C)1 ? u : m_log(w) * u / (w - (C)1);
            return x > (C)20 ? x : (x > (C)0 ? x : (C)0) + l;""", "x > (C)20 ? (C)1 : sigmoid(x)") {
        @Override public double apply(double x, double a, double b) { return x > 20 ? x : Math.log1p(Math.exp(x)); }
        @Override public double derivative(double x, double y, double a, double b) { return x > 20 ? 1.0 : ScalarMath.sigmoid(x); }
        // max(x, 0) + log1p(e^-|x|), never overflowing; log1p(u) as log(w) u / (w - 1) with w = 1 + u
        // rounded, which keeps its relative accuracy where u is below float32's epsilon (Goldberg 1991)
        @Override public FloatVector vector(FloatVector x, float a, float b) {
            FloatVector u = VecReproducible.exp(x.abs().neg());
            FloatVector w = u.add(1f);
            FloatVector log1p = VecReproducible.log(w).mul(u).div(w.sub(1f)).blend(u, w.compare(VectorOperators.EQ, 1f));
            return x.max(0f).add(log1p).blend(x, x.compare(VectorOperators.GT, 20f));
        }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) {
            return VecMath.sigmoid(x).blend(1f, x.compare(VectorOperators.GT, 20f));
        }
    },
    /** 1 where x != 0 else 0 (to BOOL); zero gradient */
    NONZERO("x != (C)0 ? (C)1 : (C)0", "(C)0") {
        @Override public double apply(double x, double a, double b) { return x != 0 ? 1.0 : 0.0; }
        @Override public double derivative(double x, double y, double a, double b) { return 0.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { throw noVectorForm(this); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { throw noVectorForm(this); }
    },
    /** logical not of a boolean */
    NOT("x == (C)0 ? (C)1 : (C)0", "(C)0") {
        @Override public double apply(double x, double a, double b) { return x == 0 ? 1.0 : 0.0; }
        @Override public double derivative(double x, double y, double a, double b) { return 0.0; }
        @Override public FloatVector vector(FloatVector x, float a, float b) { throw noVectorForm(this); }
        @Override public FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b) { throw noVectorForm(this); }
    };

    private static final double SQRT_2 = Math.sqrt(2.0);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private final String cudaForward;
    private final String cudaDerivative;

    UnaryOp(String cudaForward, String cudaDerivative) {
        this.cudaForward = cudaForward;
        this.cudaDerivative = cudaDerivative;
    }

    /** op(x) with parameters a, b, in double: the reference the fast kernels are checked against. */
    public abstract double apply(double x, double a, double b);

    /** d op(x) / dx given x and y = op(x), in double (x or y is NaN where the caller saved only the other). */
    public abstract double derivative(double x, double y, double a, double b);

    /**
     * op(x) per lane in float32, for the CPU backend's vector loops; only ops that are not
     * {@linkplain #isPredicate() predicates} have one.
     */
    // The incubating Vector API in an exported signature: only the CPU backend's loops, inside this
    // module (which reads jdk.incubator.vector), call the vector forms; modules above need not read it.
    @SuppressWarnings("exports")
    public abstract FloatVector vector(FloatVector x, float a, float b);

    /** d op(x) / dx per lane in float32 given x and y = op(x). */
    @SuppressWarnings("exports")
    public abstract FloatVector vectorDerivative(FloatVector x, FloatVector y, float a, float b);

    /** The gradient g * op'(x) per lane in float32; an op whose backward is not that product overrides it. */
    @SuppressWarnings("exports")
    public FloatVector vectorGradient(FloatVector g, FloatVector x, FloatVector y, float a, float b) {
        return g.mul(vectorDerivative(x, y, a, b));
    }

    /**
     * The CUDA C++ code of op(x) in the compute type {@code C}: an expression, or statements that
     * {@code return} it. It may use x, a, b, the {@code m_*} math of common.cuh, elementwise.cu's
     * helpers ({@code sigmoid}, {@code clampc}) and the constants SQRT1_2, SQRT_2_OVER_PI,
     * INV_SQRT_2PI, TWO_OVER_SQRT_PI.
     */
    public String cudaForward() {
        return cudaForward;
    }

    /** The CUDA C++ code of d op(x) / dx, as {@link #cudaForward()}; it may also use y = op(x). */
    public String cudaDerivative() {
        return cudaDerivative;
    }

    /** True when the derivative is zero almost everywhere (no gradient flows). */
    public boolean isPiecewiseConstant() {
        return this == SIGN || isPredicate();
    }

    /** True for the ops whose result is BOOL (they have no float vector form and no gradient). */
    public boolean isPredicate() {
        return this == NONZERO || this == NOT;
    }

    private static UnsupportedOperationException noVectorForm(UnaryOp op) {
        return new UnsupportedOperationException(op + " is a predicate: it has no float32 vector form");
    }
}
