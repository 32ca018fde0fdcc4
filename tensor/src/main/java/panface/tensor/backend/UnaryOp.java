package panface.tensor.backend;

/**
 * Elementwise unary operations. Parameters {@code a} and {@code b} are given by the caller where
 * the operation needs them; the others ignore them.
 */
public enum UnaryOp {
    /** -x */
    NEG,
    /** e^x */
    EXP,
    /** natural log */
    LOG,
    /** square root */
    SQRT,
    /** 1/sqrt(x) */
    RSQRT,
    /** |x|; gradient sign(x), 0 at 0 */
    ABS,
    /** sign(x) in {-1, 0, 1}, 0 at NaN (as PyTorch); zero gradient */
    SIGN,
    /** 1/x */
    RECIPROCAL,
    /** x^2 */
    SQUARE,
    /** sin x */
    SIN,
    /** cos x */
    COS,
    /** arccos x */
    ACOS,
    /** max(x, 0), NaN kept; the gradient passes except where x &lt;= 0 (so it passes at NaN, as PyTorch's threshold_backward) */
    RELU,
    /** min(max(x, 0), 6), NaN kept; the gradient passes except where x &lt;= 0 or x &gt;= 6 (so at NaN too), as PyTorch's hardtanh_backward */
    RELU6,
    /** x for x &gt; 0, a*x otherwise */
    LEAKY_RELU,
    /** 1/(1+e^-x) */
    SIGMOID,
    /** tanh x */
    TANH,
    /** x * sigmoid(x) */
    SILU,
    /** x * Phi(x) with the exact normal CDF */
    GELU,
    /** PyTorch's tanh approximation of GELU */
    GELU_TANH,
    /** x * relu6(x+3)/6 */
    HARDSWISH,
    /** relu6(x+3)/6 */
    HARDSIGMOID,
    /** x^a */
    POW,
    /** min(max(x, a), b); gradient where a &lt;= x &lt;= b */
    CLAMP,
    /** a*x + b */
    AFFINE,
    /** erf x */
    ERF,
    /** 1 where x != 0 else 0 (to BOOL); zero gradient */
    NONZERO,
    /** logical not of a boolean */
    NOT;

    /** True when the derivative is zero almost everywhere (no gradient flows). */
    public boolean isPiecewiseConstant() {
        return this == SIGN || this == NONZERO || this == NOT;
    }
}
