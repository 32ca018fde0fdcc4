package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.DType;
import panface.tensor.Tensor;

/**
 * The fused margin-softmax cross-entropy of face classification heads. One pass finds the row
 * maximum, one sums the exponentials, one writes the gradient (possibly over the logits
 * themselves), so a (B x C) logits matrix is materialised only once. Float64 rows run a plain
 * loop; float32 rows run vectorised in float32 with the row sums in double.
 */
final class MarginKernels {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    /** Exact-mode cosines are kept inside [-1 + EPS, 1 - EPS], where the derivative of acos is finite. */
    static final double EPS = 1e-7;

    private MarginKernels() {
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

    static void marginCrossEntropy(Tensor cos, Tensor labels, Margin m, double gradScale, Tensor loss, Tensor grad) {
        if (cos.dim() != 2 || !cos.isContiguous() || (grad != null && (!grad.isContiguous() || grad.dtype() != cos.dtype()))) {
            throw new IllegalArgumentException("marginCrossEntropy needs contiguous (B, K) logits and gradient, got " + cos.describe());
        }
        long[] y = Ref.loadLong(labels);
        int rows = cos.size(0);
        int k = cos.size(1);
        for (int i = 0; i < rows; i++) {
            if (y[i] < -1 || y[i] >= k) {
                throw new IndexOutOfBoundsException("marginCrossEntropy: label " + y[i] + " of row " + i + " is outside [-1, " + k + ")");
            }
        }
        double[] lossRows = new double[rows];
        if (cos.dtype() == DType.F32) {
            float[] c = Ref.storage(cos).floats();
            float[] g = grad == null ? null : Ref.storage(grad).floats();
            int co = cos.offset();
            int go = grad == null ? 0 : grad.offset();
            Parallel.forRange(rows, 1, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    lossRows[r] = rowF32(c, co + r * k, k, (int) y[r], m, gradScale, g, go + r * k);
                }
            });
        } else {
            double[] c = Ref.load(cos);
            double[] g = new double[c.length];
            for (int r = 0; r < rows; r++) {
                lossRows[r] = rowF64(c, r * k, k, (int) y[r], m, gradScale, g);
            }
            if (grad != null) {
                Ref.store(g, grad);
            }
        }
        Ref.store(lossRows, loss);
    }

    private static double rowF64(double[] c, int o, int k, int y, Margin m, double scale, double[] g) {
        double s = m.s();
        double[] t = y >= 0 ? m.target(clamp(c[o + y])) : null;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            double z = j == y ? s * t[0] : s * clamp(c[o + j]);
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double z = j == y ? s * t[0] : s * clamp(c[o + j]);
            sum += Math.exp(z - max);
        }
        double lse = max + Math.log(sum);
        for (int j = 0; j < k; j++) {
            double raw = c[o + j];
            double z = j == y ? s * t[0] : s * clamp(raw);
            double p = Math.exp(z - lse);
            double dz = j == y ? p - 1 : p;
            double dc = j == y ? s * t[1] : s;
            g[o + j] = raw < -1 || raw > 1 ? 0 : scale * dz * dc;
        }
        return y >= 0 ? lse - s * t[0] : 0;
    }

    private static double clamp(double c) {
        return Math.min(Math.max(c, -1), 1);
    }

    private static double rowF32(float[] c, int o, int k, int y, Margin m, double scale, float[] g, int go) {
        float s = (float) m.s();
        double[] t = y >= 0 ? m.target(clamp(c[o + y])) : null;
        float zy = y >= 0 ? (float) (m.s() * t[0]) : 0f;
        // pass 1: maximum of s*clamp(c) over all entries (the target's margin value joins below)
        int ub = k - k % L;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < ub; j += L) {
            vmax = vmax.max(FloatVector.fromArray(S, c, o + j).max(-1f).min(1f).mul(s));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (int j = ub; j < k; j++) {
            max = Math.max(max, s * (float) clamp(c[o + j]));
        }
        if (y >= 0) {
            max = Math.max(max, zy);
        }
        // pass 2: sum of exponentials, correcting the target entry
        FloatVector vsum = FloatVector.zero(S);
        for (int j = 0; j < ub; j += L) {
            vsum = vsum.add(FloatVector.fromArray(S, c, o + j).max(-1f).min(1f).mul(s).sub(max).lanewise(VectorOperators.EXP));
        }
        double sum = vsum.reduceLanes(VectorOperators.ADD);
        for (int j = ub; j < k; j++) {
            sum += Math.exp(s * (float) clamp(c[o + j]) - max);
        }
        if (y >= 0) {
            sum += Math.exp(zy - max) - Math.exp(s * (float) clamp(c[o + y]) - max);
        }
        double lse = max + Math.log(sum);
        if (g != null) {
            // pass 3: gradient s*scale*p (p from the clamped logits), zero outside [-1, 1]
            float shift = (float) lse;
            float ss = (float) (s * scale);
            float rawY = y >= 0 ? c[o + y] : 0f;
            for (int j = 0; j < ub; j += L) {
                FloatVector raw = FloatVector.fromArray(S, c, o + j);
                FloatVector p = raw.max(-1f).min(1f).mul(s).sub(shift).lanewise(VectorOperators.EXP).mul(ss);
                VectorMask<Float> outside = raw.compare(VectorOperators.LT, -1f).or(raw.compare(VectorOperators.GT, 1f));
                p.blend(0f, outside).intoArray(g, go + j);
            }
            for (int j = ub; j < k; j++) {
                float raw = c[o + j];
                g[go + j] = raw < -1 || raw > 1 ? 0f : (float) (Math.exp(s * (float) clamp(raw) - lse) * s * scale);
            }
            if (y >= 0) {
                double p = Math.exp(zy - lse);
                g[go + y] = rawY < -1 || rawY > 1 ? 0f : (float) (scale * (p - 1) * m.s() * t[1]);
            }
        }
        return y >= 0 ? lse - zy : 0;
    }
}
