package panface.faceloss.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.math.VecReproducible;

/**
 * The fused margin-softmax cross-entropy of face classification heads. One pass finds the row
 * maximum, one sums the exponentials, one writes the gradient (possibly over the logits
 * themselves), so a (B x C) logits matrix is materialised only once. Float64 rows run a plain
 * loop, the reference; float32 rows run vectorised in float32 with the row sums in double and
 * the target's term apart (see {@link #rowF32}). Registered for CPU devices by {@link
 * MarginKernelsProvider}.
 */
public final class CpuMarginCrossEntropy implements MarginCrossEntropyKernel {
    /** The vector shape of the CPU backend's float kernels. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Exact-mode cosines are kept inside [-1 + EPS, 1 - EPS], where the derivative of acos is finite. */
    static final double EPS = 1e-7;

    @Override
    public void marginCrossEntropy(View cos, View labels, double s, double m1, double m2, double m3, boolean exact,
                                   boolean hardFallback, double gradScale, View loss, View grad) {
        marginCrossEntropy(cos, labels, new Margin(s, m1, m2, m3, exact, hardFallback), gradScale, loss, grad);
    }

    /** The margin: s, m1 (multiplicative angle), m2 (additive angle), m3 (additive cosine), the gradient mode, the fallback. */
    record Margin(double s, double m1, double m2, double m3, boolean exact, boolean hardFallback) {
        boolean trivial() {
            return m1 == 1.0 && m2 == 0.0;
        }

        /** The target's margin-applied cosine and its derivative w.r.t. c, as {value, derivative}. */
        double[] target(double c) {
            if (trivial()) {
                return new double[] {c - m3, 1.0};
            }
            double theta = Math.acos(c);
            if (hardFallback && m1 * theta + m2 > Math.PI) {
                // insightface's pre-2022 hard margin: c - m*sin(m) below cos(pi - m) for ArcFace; for
                // m1 != 1 the offset keeps the target continuous at the boundary
                double mm = m1 == 1.0 ? Math.sin(Math.PI - m2) * m2 : 1 + Math.cos((Math.PI - m2) / m1);
                return new double[] {c - mm - m3, 1.0};
            }
            double a = m1 * theta + m2;
            double value = Math.cos(a) - m3;
            // the derivative m1 sin(m1 theta + m2) / sqrt(1 - c^2) diverges at |c| = 1: evaluate it
            // at c kept EPS inside, so the value is exact and the gradient finite
            double cc = Math.min(Math.max(c, -1 + EPS), 1 - EPS);
            double d = exact ? Math.sin(m1 * Math.acos(cc) + m2) * m1 / Math.sqrt(1 - cc * cc) : 1.0;
            return new double[] {value, d};
        }
    }

    static void marginCrossEntropy(View cos, View labels, Margin m, double gradScale, View loss, View grad) {
        if (cos.dim() != 2 || !cos.isContiguous() || (grad != null && (!grad.isContiguous() || grad.dtype() != cos.dtype()))) {
            throw new IllegalArgumentException("marginCrossEntropy needs contiguous (B, K) logits and gradient, got " + cos.describe());
        }
        long[] y = labels(labels);
        int rows = cos.size(0);
        int k = cos.size(1);
        for (int i = 0; i < rows; i++) {
            if (y[i] < -1 || y[i] >= k) {
                throw new IndexOutOfBoundsException("marginCrossEntropy: label " + y[i] + " of row " + i + " is outside [-1, " + k + ")");
            }
        }
        double[] lossRows = new double[rows];
        if (cos.dtype() == DType.F32) {
            float[] c = storage(cos).floats();
            float[] g = grad == null ? null : storage(grad).floats();
            int co = cos.offset();
            int go = grad == null ? 0 : grad.offset();
            Parallel.forRange(rows, 1, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    lossRows[r] = rowF32(c, co + r * k, k, (int) y[r], m, gradScale, g, go + r * k);
                }
            });
        } else {
            RefCalls.hit("marginCrossEntropy");
            double[] c = java.util.Arrays.copyOfRange(storage(cos).doubles(), cos.offset(), cos.offset() + rows * k);
            double[] g = new double[c.length];
            for (int r = 0; r < rows; r++) {
                lossRows[r] = rowF64(c, r * k, k, (int) y[r], m, gradScale, g);
            }
            if (grad != null) {
                store(g, grad);
            }
        }
        store(lossRows, loss);
    }

    private static CpuStorage storage(View t) {
        return (CpuStorage) t.storage();
    }

    /** The (B) labels, of any integer dtype and stride. */
    private static long[] labels(View labels) {
        if (labels.dim() != 1) {
            throw new IllegalArgumentException("marginCrossEntropy needs (B) labels, got " + labels.describe());
        }
        long[] y = new long[labels.size(0)];
        CpuStorage st = storage(labels);
        for (int i = 0; i < y.length; i++) {
            y[i] = st.getLong(labels.offset() + i * labels.stride(0));
        }
        return y;
    }

    /** Writes row-major values into t (any strides), converting to its dtype. */
    private static void store(double[] v, View t) {
        CpuStorage st = storage(t);
        int[] shape = t.shape();
        int[] strides = t.strides();
        int[] index = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            int at = t.offset();
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * strides[d];
            }
            st.setDouble(at, v[i]);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
    }

    /**
     * One float64 row, the reference: z_j = s*clamp(c_j), z_y = s*target(c_y); p = softmax(z).
     * The loss is written log(1 + sum_{j != y} exp(z_j - z_y)) and the target's gradient
     * p_y - 1 = -sum_{j != y} p_j, the same quantities as logsumexp(z) - z_y and p_y - 1 without
     * their cancellation when the target is confident (then both are tiny beside z_y and 1).
     */
    private static double rowF64(double[] c, int o, int k, int y, Margin m, double scale, double[] g) {
        double s = m.s();
        double[] t = y >= 0 ? m.target(clamp(c[o + y])) : null;
        double zy = y >= 0 ? s * t[0] : Double.NEGATIVE_INFINITY;
        double max = zy;
        for (int j = 0; j < k; j++) {
            if (j != y) {
                max = Math.max(max, s * clamp(c[o + j]));
            }
        }
        double negatives = 0;
        for (int j = 0; j < k; j++) {
            if (j != y) {
                negatives += Math.exp(s * clamp(c[o + j]) - max);
            }
        }
        double target = y >= 0 ? Math.exp(zy - max) : 0;
        double total = negatives + target;
        for (int j = 0; j < k; j++) {
            double raw = c[o + j];
            double dz = j == y ? -negatives / total : Math.exp(s * clamp(raw) - max) / total;
            double dc = j == y ? s * t[1] : s;
            g[o + j] = raw < -1 || raw > 1 ? 0 : scale * dz * dc;
        }
        if (y < 0) {
            return 0;
        }
        return target > 0 ? Math.log1p(negatives / target) : max + Math.log(total) - zy;
    }

    private static double clamp(double c) {
        return Math.min(Math.max(c, -1), 1);
    }

    /** Floats summed in vector lanes before the partial sum moves to double: bounds the lanes' rounding. */
    private static final int CHUNK = 64 * L;

    /**
     * One float32 row. The normaliser is the one a float32 log-sum-exp can get exactly: the
     * shift is the largest of the negatives' logits and the margined target (never the raw
     * target, whose exp(0) = 1 would swallow every negative below float32's step at 1), the
     * negatives' exponentials are summed apart from the target (in float lanes, a chunk at a
     * time, then in double), the target's term is taken in double, and the loss and the target's
     * gradient come from the negatives' share (log1p, and 1 - p_y = negatives / total) so a
     * confident row keeps its small loss and gradient to float32's relative precision.
     */
    private static double rowF32(float[] c, int o, int k, int y, Margin m, double scale, float[] g, int go) {
        float s = (float) m.s();
        double[] t = y >= 0 ? m.target(clamp(c[o + y])) : null;
        double zy = y >= 0 ? m.s() * t[0] : Double.NEGATIVE_INFINITY;
        int ub = k - k % L;
        // the vector block holding the target [yb, yb + L) is handled apart, with the target's lane
        // masked out; the loops run in methods of their own, each small enough for the JIT to
        // inline the vector exponential into
        int yb = y >= 0 && y < ub ? y - y % L : ub;
        int ye = Math.min(yb + L, ub);
        VectorMask<Float> yLane = yb < ub ? VectorMask.fromLong(S, 1L << (y - yb)) : null;
        // pass 1: the shift, the maximum of the negatives' s*clamp(c) and the margined target
        float max = Math.max(maxLogit(c, o, 0, yb, s), maxLogit(c, o, ye, ub, s));
        if (yLane != null) {
            max = Math.max(max, logits(c, o + yb, s).blend(Float.NEGATIVE_INFINITY, yLane).reduceLanes(VectorOperators.MAX));
        }
        for (int j = ub; j < k; j++) {
            if (j != y) {
                max = Math.max(max, s * (float) clamp(c[o + j]));
            }
        }
        if (y >= 0) {
            max = Math.max(max, (float) zy);
        }
        // pass 2: the negatives' exponentials, exp(s*c - max) with one rounding (fma) of the argument
        float negMax = -max;
        double negatives = sumExp(c, o, 0, yb, s, negMax) + sumExp(c, o, ye, ub, s, negMax);
        if (yLane != null) {
            negatives += VecReproducible.sum(exps(c, o + yb, s, negMax).blend(0f, yLane));
        }
        for (int j = ub; j < k; j++) {
            if (j != y) {
                negatives += Math.exp(Math.fma(s, (float) clamp(c[o + j]), negMax));
            }
        }
        double target = y >= 0 ? Math.exp(zy - max) : 0;
        double total = negatives + target;
        if (g != null) {
            // pass 3: gradient s*scale*p_j, zero outside [-1, 1]; g may be c itself, so the target's
            // cosine is read first and its entry written last
            float rawY = y >= 0 ? c[o + y] : 0f;
            float f = (float) (m.s() * scale / total);
            gradient(c, o, g, go, 0, ub, s, negMax, f);
            for (int j = ub; j < k; j++) {
                float raw = c[o + j];
                g[go + j] = raw < -1 || raw > 1 ? 0f : (float) Math.exp(Math.fma(s, (float) clamp(raw), negMax)) * f;
            }
            if (y >= 0) {
                // p_y - 1 = -(negatives' share): no cancellation when p_y is close to 1
                g[go + y] = rawY < -1 || rawY > 1 ? 0f : (float) (-scale * (negatives / total) * m.s() * t[1]);
            }
        }
        // loss = log(total) - (zy - max) = log1p(negatives / target)
        return y >= 0 ? (target > 0 ? Math.log1p(negatives / target) : max + Math.log(total) - zy) : 0;
    }

    /** s * clamp(c) of the vector at c[at]. */
    private static FloatVector logits(float[] c, int at, float s) {
        return FloatVector.fromArray(S, c, at).max(-1f).min(1f).mul(s);
    }

    /** exp(s * clamp(c) - max) of the vector at c[at], the argument rounded once. */
    private static FloatVector exps(float[] c, int at, float s, float negMax) {
        return VecReproducible.exp(FloatVector.fromArray(S, c, at).max(-1f).min(1f).fma(s, negMax));
    }

    /** The largest s * clamp(c) over the whole vectors of c[o + from, o + to). */
    private static float maxLogit(float[] c, int o, int from, int to, float s) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = from; j < to; j += L) {
            vmax = vmax.max(logits(c, o + j, s));
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** The sum of exp(s * clamp(c) - max) over the whole vectors of c[o + from, o + to), in float lanes a chunk at a time, then double. */
    private static double sumExp(float[] c, int o, int from, int to, float s, float negMax) {
        double sum = 0;
        for (int chunk = from; chunk < to; chunk += CHUNK) {
            FloatVector vsum = FloatVector.zero(S);
            for (int j = chunk, end = Math.min(to, chunk + CHUNK); j < end; j += L) {
                vsum = vsum.add(exps(c, o + j, s, negMax));
            }
            sum += VecReproducible.sum(vsum);
        }
        return sum;
    }

    /** g = f * exp(s * clamp(c) - max) over the whole vectors of [from, to), zero where c is outside [-1, 1]. */
    private static void gradient(float[] c, int o, float[] g, int go, int from, int to, float s, float negMax, float f) {
        for (int j = from; j < to; j += L) {
            FloatVector raw = FloatVector.fromArray(S, c, o + j);
            VectorMask<Float> outside = raw.compare(VectorOperators.LT, -1f).or(raw.compare(VectorOperators.GT, 1f));
            exps(c, o + j, s, negMax).mul(f).blend(0f, outside).intoArray(g, go + j);
        }
    }
}
