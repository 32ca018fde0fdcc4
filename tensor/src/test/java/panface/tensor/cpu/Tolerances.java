package panface.tensor.cpu;

import static panface.tensor.cpu.Differential.U;

import panface.tensor.Reduction;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.Differential.Bound;

/**
 * The error each fast float32 kernel may show against its float64 reference, one entry per op,
 * derived from the op's conditioning (how much rounding the inputs or intermediates by u = 2^-24
 * moves the exact result) times a small constant for the kernel's few roundings. The reason for
 * each is written beside it. Inputs are float32 values, so the reference sees exactly what the
 * kernel sees; only the kernel's own rounding is measured.
 */
public final class Tolerances {
    private Tolerances() {
    }

    /**
     * Error growth of a float32 sum of n terms, in units of u times the sum of the magnitudes. A sum
     * in blocks of about sqrt(n) terms (the column sums) rounds at most about 2 sqrt(n) times per
     * term; the row kernels' lane sums (n / lanes terms a lane) could in the worst case round n /
     * lanes times, but stay within 2 sqrt(n) on every regime here, same-sign offset rows (whose
     * roundings do not cancel) included. The worst case n would let a lost element of a long row
     * through.
     */
    public static double growth(int n) {
        return 2 * Math.sqrt(n) + 8;
    }

    // ---- elementwise -----------------------------------------------------------------------------

    /** An error as a function of an input x and an exact value v (the op's y, or its derivative d). */
    @FunctionalInterface
    public interface Error {
        double of(double x, double v);
    }

    /**
     * A unary op's error: forward |dy| &lt;= forward(x, y), derivative |dd| &lt;= derivative(x, d), d = op'(x);
     * gx = gy d adds a rounding. The inputs are exact, so only the kernel's own roundings count (an
     * ulp is at most 2u); below float32's normal range, an absolute Float.MIN_NORMAL.
     */
    public record Unary(Error forward, Error derivative) {
        public Bound forward(double[] x, double[] y) {
            return i -> forward.of(x[i], Math.abs(y[i])) + Float.MIN_NORMAL;
        }

        public Bound backward(double[] x, double[] d, double[] gy, double[] gx) {
            return i -> Math.abs(gy[i]) * derivative.of(x[i], Math.abs(d[i])) + 2 * U * Math.abs(gx[i]) + Float.MIN_NORMAL;
        }
    }

    /** Per op, with the reason. */
    public static Unary unary(UnaryOp op) {
        return switch (op) {
            // exact or one rounding: negation, |x|, sign, max/min/select, x*x, 1/x, sqrt; derivatives constants, 2x, -y^2, 1/(2y) or selects
            case NEG, ABS, SIGN, RELU, RELU6, CLAMP, SQUARE, RECIPROCAL, SQRT -> new Unary((x, y) -> 2 * U * y, (x, d) -> 4 * U * d);
            // LeakyReLU's slope is rounded to float32: a x carries u |x| more
            case LEAKY_RELU -> new Unary((x, y) -> 2 * U * (y + Math.abs(x)), (x, d) -> 4 * U * d);
            // a x + b with a and b rounded to float32: u (|a x| + |b|) more, covered by |x| + 1 for the a and b used
            case AFFINE -> new Unary((x, y) -> 2 * U * (y + Math.abs(x) + 1), (x, d) -> 4 * U * d);
            // 1 / sqrt: two roundings; derivative -y^3 / 2 three more
            case RSQRT -> new Unary((x, y) -> 4 * U * y, (x, d) -> 8 * U * d);
            // the Vector API's exp intrinsic, a few ulp; the derivative is y itself
            case EXP -> new Unary((x, y) -> 8 * U * y, (x, d) -> 8 * U * d);
            // tanh intrinsic; its derivative 1 - y^2 rounds y^2 at the scale of 1
            case TANH -> new Unary((x, y) -> 8 * U * y, (x, d) -> U * (8 * d + 2));
            // log, sin, cos intrinsics: a few ulp, and an absolute ulp near their zeros; derivatives 1/x (a division), cos, -sin
            case LOG, SIN, COS -> new Unary((x, y) -> U * (8 * y + 2), (x, d) -> U * (8 * d + 2));
            // acos intrinsic; its derivative -1 / sqrt((1 - x)(1 + x)) a few roundings
            case ACOS -> new Unary((x, y) -> U * (8 * y + 2), (x, d) -> 8 * U * d);
            // x^a intrinsic with a (and a - 1) rounded to float32: y moves by |y ln x| u |a| more (|a| &lt; 2 here)
            case POW -> new Unary((x, y) -> U * y * (8 + 2 * Math.abs(Math.log(Math.abs(x)))), (x, d) -> U * d * (12 + 2 * Math.abs(Math.log(Math.abs(x)))));
            // 1 / (1 + e^-|x|) or its mirror: exp, add, divide; the derivative y (1 - y) rounds 1 - y at the scale of 1
            case SIGMOID -> new Unary((x, y) -> 8 * U * y, (x, d) -> U * (8 * d + 2));
            // x times the sigmoid; its derivative s (1 + x (1 - s)) rounds 1 - s at the scale of 1, times |x|
            case SILU -> new Unary((x, y) -> 10 * U * y, (x, d) -> U * (10 * d + 4 * (1 + Math.abs(x))));
            // erf pieces: GELU within 1e-7 max(1, |x|) (three times that through 7.1.26 on vectors under 8 lanes), see VecMath;
            // the derivative's density exp(-x^2/2) moves by u x^2 relative from rounding x^2
            case GELU -> new Unary((x, y) -> 4 * U * y + 3e-7 * Math.max(1, Math.abs(x)),
                    (x, d) -> U * (8 * d + 6 * (1 + Math.abs(x)) + (1 + Math.abs(x)) * x * x) + 3e-7);
            // tanh form: 1 + tanh(inner) cancels for x &lt;&lt; 0, an absolute u |x| from the half x factor
            case GELU_TANH -> new Unary((x, y) -> U * (8 * y + 4 * Math.abs(x)), (x, d) -> U * (8 * d + 8 * (1 + Math.abs(x)) * (1 + x * x)));
            // x + 3 rounds at the scale of |x| + 3, then a multiply and a divide by 6; the derivative x/3 + 1/2 cancels near -1.5
            case HARDSWISH -> new Unary((x, y) -> U * (4 * y + 2 * Math.abs(x) + 2), (x, d) -> U * (4 * d + 1 + Math.abs(x)));
            case HARDSIGMOID -> new Unary((x, y) -> U * (4 * y + 2 * Math.abs(x) + 2), (x, d) -> 4 * U * d);
            // Taylor series below 0.75 (relative 1e-7), Abramowitz-Stegun 7.1.26 beyond (absolute 1.5e-7, about 5e-7 in float);
            // the derivative's exp(-x^2) moves by u x^2 relative from rounding x^2
            case ERF -> new Unary((x, y) -> 4 * U * y + 5e-7, (x, d) -> U * d * (8 + 2 * x * x));
            // exp, log (a few ulp each) and four roundings in log1p(e^-|x|), relative to that term and so to y; the
            // derivative is the sigmoid's forward
            case SOFTPLUS -> new Unary((x, y) -> 8 * U * y, (x, d) -> 8 * U * d);
            case NONZERO, NOT -> throw new IllegalArgumentException(op + " has no float kernel");
        };
    }

    /** a op b for the four arithmetic ops: correctly rounded, half an ulp (u |result|, or half the smallest subnormal); max and min exact. */
    public static Bound binary(double[] want) {
        return i -> U * Math.abs(want[i]) + Float.MIN_VALUE / 2.0;
    }

    // ---- reductions ------------------------------------------------------------------------------

    /** A float32 sum of n terms: growth(n) u times the sum of their magnitudes (the sum's condition number is sum |x| / |sum x|). */
    public static Bound sum(double[] magnitudes, int n) {
        return i -> U * growth(n) * magnitudes[i];
    }

    /** Results that select or copy an input (max, min, copies, im2col, row selection): exact. */
    public static final Bound EXACT = i -> 0;

    // ---- softmax family ---------------------------------------------------------------------------

    /**
     * softmax p_j = e^(x_j - m) / s: x_j - m is rounded at the scale of |x_j - m| (so log p_j moves by
     * u |x_j - m|), exp adds a few ulp, the sum s its growth: |dp_j| &lt;= p_j u (|x_j - m| + 8 +
     * growth(n)). Below float32's normal range results lose relative precision: an absolute
     * Float.MIN_NORMAL floor.
     */
    public static Bound softmax(double[] x, double[] p, int cols) {
        double[] max = rowMax(x, cols);
        return i -> p[i] * U * (Math.abs(x[i] - max[i / cols]) + 8 + growth(cols)) + Float.MIN_NORMAL;
    }

    /**
     * log-softmax y_j = x_j - (m + log s): the shift m + log s is rounded at its own scale, so the
     * absolute error is about u (|x_j| + |m| + |log s|), plus the sum's relative error (growth)
     * which log turns into an absolute one: |dy_j| &lt;= u (2 |x_j| + 2 |m| + 2 |log n| + 8 + growth(n)).
     */
    public static Bound logSoftmax(double[] x, int cols) {
        double[] max = rowMax(x, cols);
        return i -> U * (2 * Math.abs(x[i]) + 2 * Math.abs(max[i / cols]) + 2 * Math.log(cols) + 8 + growth(cols));
    }

    /**
     * softmax backward gx_j = p_j (g_j - d), d = sum_k g_k p_k: d carries growth u sum |g_k p_k|, and
     * g_j - d is rounded at the scale of |g_j| + |d|: |dgx_j| &lt;= p_j u (4 (|g_j| + |d|) +
     * growth(n) sum |g_k p_k|).
     */
    public static Bound softmaxBackward(double[] p, double[] g, int cols) {
        int rows = p.length / cols;
        double[] d = new double[rows];
        double[] mag = new double[rows];
        for (int i = 0; i < p.length; i++) {
            d[i / cols] += g[i] * p[i];
            mag[i / cols] += Math.abs(g[i] * p[i]);
        }
        return i -> Math.abs(p[i]) * U * (4 * (Math.abs(g[i]) + Math.abs(d[i / cols])) + growth(cols) * mag[i / cols]) + Float.MIN_NORMAL;
    }

    /**
     * log-softmax backward gx_j = g_j - e^(y_j) sum g: the sum carries growth u sum |g|, exp a few
     * ulp, and the difference is rounded at the scale of its terms: |dgx_j| &lt;= u (4 |g_j| + e^(y_j)
     * (8 |sum g| + growth(n) sum |g|)).
     */
    public static Bound logSoftmaxBackward(double[] y, double[] g, int cols) {
        int rows = y.length / cols;
        double[] s = new double[rows];
        double[] mag = new double[rows];
        for (int i = 0; i < y.length; i++) {
            s[i / cols] += g[i];
            mag[i / cols] += Math.abs(g[i]);
        }
        return i -> U * (4 * Math.abs(g[i]) + Math.exp(y[i]) * (8 * Math.abs(s[i / cols]) + growth(cols) * mag[i / cols]));
    }

    /**
     * Cross-entropy -(1 - e) log p_y - e/C sum log p_j per sample: the log-softmax bound at the
     * picked element, plus (with smoothing) the row sum of log-probabilities carrying growth u sum
     * |log p_j| and the shared shift; a mean or sum over the batch adds its own growth. Per sample:
     * u (4 max |x| + 4 |m| + 2 log C + 8 + growth(C) (1 + mean |x_j - m| + log C)).
     */
    public static Bound crossEntropy(double[] x, int classes, Reduction reduction) {
        int batch = x.length / classes;
        double[] max = rowMax(x, classes);
        double total = 0;
        double[] per = new double[batch];
        for (int r = 0; r < batch; r++) {
            double big = 0;
            double spread = 0;
            for (int j = 0; j < classes; j++) {
                big = Math.max(big, Math.abs(x[r * classes + j]));
                spread += Math.abs(x[r * classes + j] - max[r]) / classes;
            }
            per[r] = U * (4 * big + 4 * Math.abs(max[r]) + 2 * Math.log(classes) + 8 + growth(classes) * (1 + spread + Math.log(classes)));
            total += per[r];
        }
        double sum = total;
        return switch (reduction) {
            case NONE -> i -> per[i];
            case SUM -> i -> sum * (1 + U * growth(batch));
            case MEAN -> i -> sum / batch * (1 + U * growth(batch));
        };
    }

    /**
     * The cross-entropy gradient (p_j - t_j) / B through the log-softmax backward: p_j = e^(y_j) carries
     * y_j's log-softmax error as a relative one, plus a few ulp; the targets t_j are exact:
     * |dgx_j| &lt;= (p_j (dy_j + 8u + growth(C) u) + 4u) scale, dy_j the log-softmax bound, scale the
     * upstream gradient per sample (1 / B for a mean).
     */
    public static Bound crossEntropyGrad(double[] x, int classes, double scale) {
        int batch = x.length / classes;
        double[] max = rowMax(x, classes);
        double[] lse = new double[batch];
        for (int i = 0; i < x.length; i++) {
            lse[i / classes] += Math.exp(x[i] - max[i / classes]);
        }
        Bound dy = logSoftmax(x, classes);
        return i -> {
            int r = i / classes;
            double p = Math.exp(x[i] - max[r]) / lse[r];
            return (p * (dy.at(i) + 8 * U + growth(classes) * U) + 4 * U) * scale;
        };
    }

    // ---- normalisation ----------------------------------------------------------------------------

    /** How a normalisation computes its mean, which sets how far off the mean may be. */
    public enum Mean {
        /**
         * From differences to one of the row's values (the layer norm kernel): off by u (2 |mean| +
         * growth(n) 2 max|x - mean|), rounding at the mean's own scale plus a sum of terms of the
         * spread's size. PyTorch's float32 layer norm (Welford) is as accurate: within 1.5 u
         * max|x| r of float64 on rows 12345.678 + 1e-3 N(0, 1) of 35 to 100,003 (torch 1.13, see
         * torch_special_values.py in the test resources).
         */
        SHIFTED,
        /** From a plain sum of the values (batch norm, built on the sum reduction): off by u (2 |mean| + growth(n) mean|x|). */
        SUMMED
    }

    /** Per row: mean, 1 / sqrt(var + eps), and the mean's allowed error. */
    private static double[][] rowStats(double[] x, double eps, int cols, Mean kind) {
        int rows = x.length / cols;
        double[][] s = new double[3][rows];
        double[] spread = new double[rows];
        double[] mag = new double[rows];
        for (int i = 0; i < x.length; i++) {
            s[0][i / cols] += x[i] / cols;
            mag[i / cols] += Math.abs(x[i]) / cols;
        }
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - s[0][i / cols];
            s[1][i / cols] += d * d / cols;
            spread[i / cols] = Math.max(spread[i / cols], Math.abs(d));
        }
        for (int r = 0; r < rows; r++) {
            s[1][r] = 1 / Math.sqrt(s[1][r] + eps);
            s[2][r] = U * (2 * Math.abs(s[0][r]) + growth(cols) * (kind == Mean.SHIFTED ? 2 * spread[r] : mag[r]));
        }
        return s;
    }

    /**
     * Layer norm (and batch norm, its rows being the channels) y = h w + b, h = (x - mean) r: a
     * mean off by d moves every h by d r (for a large offset and a small spread, the conditioning
     * |mean| / sigma no float32 kernel escapes) and the variance by d^2; the variance's sum adds a
     * relative growth(n) u to r, the subtraction and scaling a few ulp of h, and h w + b is rounded:
     * |dh_j| &lt;= d r + |h_j| (u (6 + growth(n)) + (d r)^2), |dy_j| &lt;= |w_j| |dh_j| + 2u (|h_j w_j| + |y_j|),
     * d the {@link Mean}'s error. w is per element (null: 1).
     */
    public static Bound normalized(double[] x, double[] w, double[] y, double eps, int cols, Mean kind) {
        double[][] s = rowStats(x, eps, cols, kind);
        double g = growth(cols);
        return i -> {
            int r = i / cols;
            double rs = s[1][r];
            double h = Math.abs((x[i] - s[0][r]) * rs);
            double dr = s[2][r] * rs;
            double dh = dr + h * (U * (6 + g) + dr * dr);
            double wi = w == null ? 1 : Math.abs(w[i]);
            return wi * dh + 2 * U * (h * wi + Math.abs(y[i]));
        };
    }

    /** The saved mean: off by the {@link Mean}'s error d. */
    public static Bound normMean(double[] x, int cols, Mean kind) {
        double[][] s = rowStats(x, 0, cols, kind);
        return r -> s[2][r];
    }

    /**
     * The saved r = 1 / sqrt(var + eps): the variance's sum of squares carries relative growth u,
     * sqrt and division a few ulp, and a mean off by d adds d^2 to the variance:
     * |dr| &lt;= r (u (4 + growth(n)) + (d r)^2).
     */
    public static Bound normRstd(double[] x, double eps, int cols, Mean kind) {
        double[][] s = rowStats(x, eps, cols, kind);
        double g = growth(cols);
        return r -> {
            double dr = s[2][r] * s[1][r];
            return s[1][r] * (U * (4 + g) + dr * dr);
        };
    }

    /**
     * Layer norm backward dx = r (gh - mean(gh) - h mean(gh h)), gh = g w, from the saved float32
     * mean and r (the reference gets the same): h is recomputed with a few roundings (dh = 4u |h|),
     * the two row means carry growth, and the difference is rounded at the scale of its terms:
     * |ddx_j| &lt;= r (4u (|gh_j| + |mg| + |h_j mgh|) + growth u (mean|gh| + |h_j| mean|gh h|) + dh_j |mgh| + |h_j| mean(|gh| dh)) + 2u |dx_j|.
     */
    public static Bound normBackwardInput(double[] x, double[] w, double[] mean, double[] rstd, double[] g, double[] dx, int cols) {
        int rows = x.length / cols;
        double[] mg = new double[rows];
        double[] mgh = new double[rows];
        double[] absGh = new double[rows];
        double[] absGhh = new double[rows];
        for (int i = 0; i < x.length; i++) {
            int r = i / cols;
            double h = (x[i] - mean[r]) * rstd[r];
            double gh = g[i] * (w == null ? 1 : w[i % cols]);
            mg[r] += gh / cols;
            mgh[r] += gh * h / cols;
            absGh[r] += Math.abs(gh) / cols;
            absGhh[r] += Math.abs(gh * h) / cols;
        }
        double gr = growth(cols);
        return i -> {
            int r = i / cols;
            double h = Math.abs((x[i] - mean[r]) * rstd[r]);
            double gh = Math.abs(g[i] * (w == null ? 1 : w[i % cols]));
            return rstd[r] * (4 * U * (gh + Math.abs(mg[r]) + h * Math.abs(mgh[r])) + (gr + 4) * U * (absGh[r] + h * absGhh[r])
                    + 4 * U * h * Math.abs(mgh[r])) + 2 * U * Math.abs(dx[i]);
        };
    }

    /**
     * Layer norm weight and bias gradients, sums over the rows: dw_j = sum g h carries (growth + 8) u
     * sum |g h| (h recomputed within 4u |h|); db_j = sum g carries (growth + 4) u sum |g|.
     */
    public static Bound normBackwardWeight(double[] x, double[] mean, double[] rstd, double[] g, int cols, boolean bias) {
        int rows = x.length / cols;
        double[] mag = new double[cols];
        for (int i = 0; i < x.length; i++) {
            int r = i / cols;
            double h = (x[i] - mean[r]) * rstd[r];
            mag[i % cols] += Math.abs(bias ? g[i] : g[i] * h);
        }
        double gr = growth(rows) + (bias ? 4 : 8);
        return j -> U * gr * mag[j];
    }

    // ---- optimizer -------------------------------------------------------------------------------

    /**
     * AdamW, one element: m' = b1 m + (1 - b1) g is off by 3u (|b1 m| + |(1 - b1) g|) (the float32
     * coefficients, two products, a sum that can cancel); v' = b2 v + (1 - b2) g^2 by 6u v' (positive
     * terms: two float32 coefficients, three products, a sum); the denominator sqrt(v') / bc2 + eps by 6u of itself; so the step lr / bc1 m' / den by
     * lr / bc1 (dm' + 9u |m'|) / den; the decayed parameter p (1 - lr wd) by 2u |p|; the result is
     * rounded. Float.MIN_NORMAL where g^2 is below float32's normal range.
     *
     * @return {param, m, v} bounds
     */
    public static Bound[] adamw(double[] p, double[] g, double[] m, double[] v, double[] pNew, double lr, double b1, double b2, double eps, double wd,
                         long step) {
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = Math.sqrt(1 - Math.pow(b2, step));
        int n = p.length;
        double[][] r = new double[3][n];
        for (int i = 0; i < n; i++) {
            double mNew = b1 * m[i] + (1 - b1) * g[i];
            double vNew = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double dm = 3 * U * (Math.abs(b1 * m[i]) + Math.abs((1 - b1) * g[i]));
            double den = Math.sqrt(vNew) / bc2 + eps;
            r[0][i] = 2 * U * Math.abs(p[i]) + lr / bc1 * (dm + 9 * U * Math.abs(mNew)) / den + U * Math.abs(pNew[i]);
            r[1][i] = dm + U * Math.abs(mNew);
            r[2][i] = 6 * U * vNew + Float.MIN_NORMAL;
        }
        return new Bound[] {i -> r[0][i], i -> r[1][i], i -> r[2][i]};
    }

    // ---- products --------------------------------------------------------------------------------

    /**
     * A float32 product C = alpha A B + beta C0, one element a dot product of k terms: (growth(k) + 2)
     * u (|alpha| (|A| |B|) + |beta C0|) + u |C|, the standard bound with |A| |B| the product of the
     * magnitudes (which is what cancellation in the sum is measured against).
     */
    public static Bound product(double[] absProduct, double[] absBetaC, double[] c, int k) {
        return i -> (growth(k) + 2) * U * (absProduct[i] + absBetaC[i]) + U * Math.abs(c[i]) + Float.MIN_NORMAL;
    }

    /**
     * Fused attention over q (B, H, T, D), k (B, H, S, D), v (B, H, S, Dv), flattened per (batch,
     * head), in float64: a score s_ij = scale q_i . k_j is off by ds_ij = (growth(D) + 2) u scale
     * sum |q_i||k_j|; a probability p_ij = e^(s_ij - m_i) / sum by p_ij (ds_ij + max_j ds_ij + u (|s_ij
     * - m_i| + 8 + growth(S))) + Float.MIN_NORMAL (m_i the row maximum, or the saved log-sum-exp in
     * the backward; the floor where float32 underflows); every sum over j, i or the feature
     * dimension carries its growth. Terms with p_ij = 0 (scores at -inf) add nothing.
     *
     * @return {out, lse} bounds for the forward, {gq, gk, gv} for the backward (gy given)
     */
    public static double[][] attention(double[] q, double[] k, double[] v, double[] out, double[] lse, double[] gy, int bh, int t, int s, int d,
                                int dv, double scale) {
        double[][] r = gy == null ? new double[][] {new double[bh * t * dv], new double[bh * t]}
            : new double[][] {new double[bh * t * d], new double[bh * s * d], new double[bh * s * dv]};
        double[] sc = new double[s];
        double[] ds = new double[s];
        double[] p = new double[s];
        double[] e = new double[s];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                int qi = b * t + i;
                double m = Double.NEGATIVE_INFINITY;
                double dsMax = 0;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    double mag = 0;
                    for (int c = 0; c < d; c++) {
                        dot += q[qi * d + c] * k[(b * s + j) * d + c];
                        mag += Math.abs(q[qi * d + c] * k[(b * s + j) * d + c]);
                    }
                    sc[j] = dot * scale;
                    ds[j] = (growth(d) + 2) * U * scale * mag;
                    m = Math.max(m, sc[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    sum += Math.exp(sc[j] - m);
                    dsMax = Math.exp(sc[j] - m) > 0 ? Math.max(dsMax, ds[j]) : dsMax;
                }
                double shift = gy == null ? m : lse[qi];
                for (int j = 0; j < s; j++) {
                    p[j] = gy == null ? Math.exp(sc[j] - m) / sum : Math.exp(sc[j] - shift);
                    // e holds the absolute error of p: relative, plus float32's floor where p underflows
                    e[j] = p[j] == 0 ? 0 : p[j] * (ds[j] + dsMax + U * (Math.abs(sc[j] - shift) + 8 + growth(s))) + Float.MIN_NORMAL;
                }
                if (gy == null) {
                    for (int c = 0; c < dv; c++) {
                        double err = 0;
                        for (int j = 0; j < s; j++) {
                            err += p[j] == 0 ? 0 : (e[j] + p[j] * U * growth(s)) * Math.abs(v[(b * s + j) * dv + c]);
                        }
                        r[0][qi * dv + c] = err + 2 * U * Math.abs(out[qi * dv + c]);
                    }
                    r[1][qi] = dsMax + U * (2 * Math.abs(m) + 8 + growth(s)) + U * Math.abs(lse[qi]);
                    continue;
                }
                double delta = 0;
                double deltaErr = 0;
                for (int c = 0; c < dv; c++) {
                    delta += gy[qi * dv + c] * out[qi * dv + c];
                    deltaErr += (growth(dv) + 2) * U * Math.abs(gy[qi * dv + c] * out[qi * dv + c]);
                }
                for (int j = 0; j < s; j++) {
                    if (p[j] == 0) {
                        continue;
                    }
                    int kj = b * s + j;
                    double dp = 0;
                    double dpErr = 0;
                    for (int c = 0; c < dv; c++) {
                        dp += gy[qi * dv + c] * v[kj * dv + c];
                        dpErr += (growth(dv) + 2) * U * Math.abs(gy[qi * dv + c] * v[kj * dv + c]);
                        r[2][kj * dv + c] += (e[j] + p[j] * U * (growth(t) + 2)) * Math.abs(gy[qi * dv + c]);
                    }
                    double dsc = Math.abs(p[j] * (dp - delta) * scale);
                    double dsErr = scale * (p[j] * (dpErr + deltaErr + 4 * U * Math.abs(dp - delta)) + e[j] * Math.abs(dp - delta));
                    for (int c = 0; c < d; c++) {
                        r[0][qi * d + c] += dsErr * Math.abs(k[kj * d + c]) + (growth(s) + 2) * U * dsc * Math.abs(k[kj * d + c]);
                        r[1][kj * d + c] += dsErr * Math.abs(q[qi * d + c]) + (growth(t) + 2) * U * dsc * Math.abs(q[qi * d + c]);
                    }
                }
            }
        }
        return r;
    }

    static double[] rowMax(double[] x, int cols) {
        int rows = x.length / cols;
        double[] m = new double[rows];
        java.util.Arrays.fill(m, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < x.length; i++) {
            m[i / cols] = Math.max(m[i / cols], x[i]);
        }
        return m;
    }
}
