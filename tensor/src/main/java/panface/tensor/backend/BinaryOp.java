package panface.tensor.backend;

import jdk.incubator.vector.FloatVector;

import panface.tensor.math.VecMath;

/**
 * Elementwise binary operations on operands already broadcast to the output shape, each described
 * once, here: its reference in double ({@link #apply(double, double)}: the specification, with
 * PyTorch's semantics), its form on 64-bit integers ({@link #apply(long, long)}), its float32 form
 * on whole vectors for the CPU backend's row loops ({@link #vector}, for the ops that
 * {@linkplain #hasVectorForm have one}), and the CUDA C++ code of the floating-point and integer
 * forms ({@link #cudaCode}, {@link #cudaIntegerCode}).
 *
 * <p>Everything else is derived from these descriptions: the CPU backend clones its row loops per
 * op ({@code VecBinary}, so that the JIT inlines the op's vector form into loops of their own),
 * its reference and integer kernels call {@link #apply}, and the CUDA backend writes the op-code
 * enum and the {@code binary_op}/{@code binary_op_int} switches of its elementwise kernels from
 * them when it compiles its kernels ({@code CudaBinaryOps}). One exception: the CPU backend's
 * float32 comparison rows ({@code SelectKernels}) spell EQ to GE again, as a switch, since
 * comparing through the double reference made that loop slower.
 *
 * <p><b>Adding an op</b> touches this file: a constant with its Javadoc, its CUDA code as
 * constructor arguments and bodies for the three abstract methods (an op without a float32 vector
 * form throws from {@link #vector} and is listed in {@link #hasVectorForm}); a comparison goes
 * between {@link #EQ} and {@link #GE} and adds its case to {@code SelectKernels}, a logical op goes
 * after them ({@link #isComparison}, {@link #isPredicate}). Then the public function in
 * {@code panface.tensor.F} or {@code Tensor}, and its gradient in
 * {@code panface.tensor.ops.Elementwise} (the backward is built from tensor operations, so it is
 * not part of the description). The constant may go anywhere in its group: the CUDA code receives
 * {@link #ordinal()}, and its op-code table is written from this order. {@code CudaOpTablesTest}
 * checks the generated table, {@code KernelSourcesTest} that NVRTC compiles it, and the
 * differential, fast-path and select tests, which iterate over {@link #values()}, run the CPU
 * loops against {@link #apply}.
 */
public enum BinaryOp {
    /** x + y */
    ADD("x + y", "x + y") {
        @Override public double apply(double x, double y) { return x + y; }
        @Override public long apply(long x, long y) { return x + y; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return x.add(y); }
    },
    /** x - y */
    SUB("x - y", "x - y") {
        @Override public double apply(double x, double y) { return x - y; }
        @Override public long apply(long x, long y) { return x - y; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return x.sub(y); }
    },
    /** x * y */
    MUL("x * y", "x * y") {
        @Override public double apply(double x, double y) { return x * y; }
        @Override public long apply(long x, long y) { return x * y; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return x.mul(y); }
    },
    /** x / y; on integers the quotient is floored (as Math.floorDiv), and division by zero is an error */
    DIV("x / y", """
            if (y == 0) { report_error(err, 2, x, 0, pos); return 0; }
            i64 q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) q -= 1;
            return q;""") {
        @Override public double apply(double x, double y) { return x / y; }
        @Override public long apply(long x, long y) {
            if (y == 0) {
                throw new ArithmeticException("integer division by zero");
            }
            return Math.floorDiv(x, y);
        }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return x.div(y); }
    },
    /** elementwise maximum; NaN propagates */
    MAX("m_isnan(x) || m_isnan(y) ? m_nan<C>() : (x > y ? x : y)", "x > y ? x : y") {
        @Override public double apply(double x, double y) { return Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.max(x, y); }
        @Override public long apply(long x, long y) { return Math.max(x, y); }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return VecMath.nanMax(x, y); }
    },
    /** elementwise minimum; NaN propagates */
    MIN("m_isnan(x) || m_isnan(y) ? m_nan<C>() : (x < y ? x : y)", "x < y ? x : y") {
        @Override public double apply(double x, double y) { return Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.min(x, y); }
        @Override public long apply(long x, long y) { return Math.min(x, y); }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { return VecMath.nanMin(x, y); }
    },
    /** x^y; on integers Math.pow truncated */
    POW("m_pow(x, y)", "(i64)pow((double)x, (double)y)") {
        @Override public double apply(double x, double y) { return Math.pow(x, y); }
        @Override public long apply(long x, long y) { return (long) Math.pow(x, y); }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x == y, to BOOL (as are the comparisons and logical ops that follow) */
    EQ("x == y ? (C)1 : (C)0", "x == y") {
        @Override public double apply(double x, double y) { return x == y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x == y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x != y */
    NE("x != y ? (C)1 : (C)0", "x != y") {
        @Override public double apply(double x, double y) { return x != y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x != y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x &lt; y */
    LT("x < y ? (C)1 : (C)0", "x < y") {
        @Override public double apply(double x, double y) { return x < y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x < y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x &lt;= y */
    LE("x <= y ? (C)1 : (C)0", "x <= y") {
        @Override public double apply(double x, double y) { return x <= y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x <= y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x &gt; y */
    GT("x > y ? (C)1 : (C)0", "x > y") {
        @Override public double apply(double x, double y) { return x > y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x > y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** x &gt;= y */
    GE("x >= y ? (C)1 : (C)0", "x >= y") {
        @Override public double apply(double x, double y) { return x >= y ? 1 : 0; }
        @Override public long apply(long x, long y) { return x >= y ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** logical and of booleans (nonzero is true) */
    AND("x != (C)0 && y != (C)0 ? (C)1 : (C)0", "x != 0 && y != 0") {
        @Override public double apply(double x, double y) { return x != 0 && y != 0 ? 1 : 0; }
        @Override public long apply(long x, long y) { return x != 0 && y != 0 ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    },
    /** logical or of booleans */
    OR("x != (C)0 || y != (C)0 ? (C)1 : (C)0", "x != 0 || y != 0") {
        @Override public double apply(double x, double y) { return x != 0 || y != 0 ? 1 : 0; }
        @Override public long apply(long x, long y) { return x != 0 || y != 0 ? 1 : 0; }
        @Override public FloatVector vector(FloatVector x, FloatVector y) { throw noVectorForm(this); }
    };

    private final String cudaCode;
    private final String cudaIntegerCode;

    BinaryOp(String cudaCode, String cudaIntegerCode) {
        this.cudaCode = cudaCode;
        this.cudaIntegerCode = cudaIntegerCode;
    }

    /** x op y in double: the reference the fast kernels are checked against. Predicates return 1 or 0. */
    public abstract double apply(double x, double y);

    /** x op y on 64-bit integers, exactly (wrapping as Java's long arithmetic). Predicates return 1 or 0. */
    public abstract long apply(long x, long y);

    /**
     * x op y per lane in float32, for the CPU backend's row loops; only the ops that
     * {@linkplain #hasVectorForm() have one}.
     */
    // The incubating Vector API in an exported signature: only the CPU backend's loops, inside this
    // module (which reads jdk.incubator.vector), call the vector forms; modules above need not read it.
    @SuppressWarnings("exports")
    public abstract FloatVector vector(FloatVector x, FloatVector y);

    /**
     * The CUDA C++ code of x op y in the compute type {@code C}: an expression, or statements that
     * {@code return} it. It may use x, y and the {@code m_*} math of common.cuh.
     */
    public String cudaCode() {
        return cudaCode;
    }

    /**
     * The CUDA C++ code of x op y on {@code i64}, as {@link #cudaCode()}; it may report an error with
     * {@code report_error(err, code, value, 0, pos)} (common.cuh), as DIV does for division by zero.
     */
    public String cudaIntegerCode() {
        return cudaIntegerCode;
    }

    /** True for the comparisons and logical operations (result BOOL, no gradient). */
    public boolean isPredicate() {
        return ordinal() >= EQ.ordinal();
    }

    /** True for the comparisons EQ to GE (float32 operands compared into BOOL by the CPU backend's row loops). */
    public boolean isComparison() {
        return ordinal() >= EQ.ordinal() && ordinal() <= GE.ordinal();
    }

    /**
     * True for the ops with a float32 {@linkplain #vector vector form}: all but the predicates and
     * POW (float32 POW takes the reference kernel).
     */
    public boolean hasVectorForm() {
        return !isPredicate() && this != POW;
    }

    private static UnsupportedOperationException noVectorForm(BinaryOp op) {
        return new UnsupportedOperationException(op + " has no float32 vector form");
    }
}
