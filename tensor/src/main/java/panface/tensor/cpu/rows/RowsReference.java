package panface.tensor.cpu.rows;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.View;
import panface.tensor.backend.ReduceOp;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.cpu.runtime.Strided;

/**
 * The reference of the rows family: reductions, softmax and layer norm on row-major double copies
 * ({@code Ref}), computed plainly; they define what {@code VecRows} computes fast and is tested
 * against.
 */
public final class RowsReference {
    private RowsReference() {
    }

    public static void reduce(ReduceOp op, View x, int[] dims, View out) {
        RefCalls.hit("reduce");
        int[] xs = x.shape();
        int[] outIndexStrides = Shape.contiguousStrides(out.shape());
        for (int d : dims) {
            outIndexStrides[d] = 0;
        }
        int[] target = Strided.offsets(xs, outIndexStrides, 0);
        int m = out.numel();
        if (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN) {
            if (dims.length != 1) {
                throw new IllegalArgumentException(op + " reduces exactly one dimension");
            }
            int d = dims[0];
            int inner = Shape.prod(xs, d + 1, xs.length);
            int size = xs[d];
            double[] v = Ref.load(x);
            double[] best = new double[m];
            long[] arg = new long[m];
            boolean[] seen = new boolean[m];
            for (int i = 0; i < v.length; i++) {
                int t = target[i];
                double val = v[i];
                boolean better;
                if (!seen[t]) {
                    better = true;
                } else if (Double.isNaN(best[t])) {
                    better = false;
                } else if (Double.isNaN(val)) {
                    better = true;
                } else {
                    better = op == ReduceOp.ARGMAX ? val > best[t] : val < best[t];
                }
                if (better) {
                    seen[t] = true;
                    best[t] = val;
                    arg[t] = (i / inner) % size;
                }
            }
            Ref.storeLong(arg, out);
            return;
        }
        if (!x.dtype().isFloating()) {
            long[] v = Ref.loadLong(x);
            long[] acc = new long[m];
            boolean[] seen = new boolean[m];
            for (int i = 0; i < v.length; i++) {
                int t = target[i];
                long val = v[i];
                if (!seen[t]) {
                    acc[t] = val;
                    seen[t] = true;
                    continue;
                }
                acc[t] = switch (op) {
                    case SUM -> acc[t] + val;
                    case PROD -> acc[t] * val;
                    case MAX -> Math.max(acc[t], val);
                    case MIN -> Math.min(acc[t], val);
                    default -> throw new IllegalStateException();
                };
            }
            Ref.storeLong(acc, out);
            return;
        }
        double[] v = Ref.load(x);
        double[] acc = new double[m];
        boolean[] seen = new boolean[m];
        for (int i = 0; i < v.length; i++) {
            int t = target[i];
            double val = v[i];
            if (!seen[t]) {
                acc[t] = val;
                seen[t] = true;
                continue;
            }
            acc[t] = switch (op) {
                case SUM -> acc[t] + val;
                case PROD -> acc[t] * val;
                case MAX -> Double.isNaN(acc[t]) || Double.isNaN(val) ? Double.NaN : Math.max(acc[t], val);
                case MIN -> Double.isNaN(acc[t]) || Double.isNaN(val) ? Double.NaN : Math.min(acc[t], val);
                default -> throw new IllegalStateException();
            };
        }
        if (v.length == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN)) {
            throw new IllegalArgumentException(op + " of an empty tensor");
        }
        if (op == ReduceOp.PROD) {
            for (int t = 0; t < m; t++) {
                if (!seen[t]) {
                    acc[t] = 1.0;
                }
            }
        }
        Ref.store(acc, out);
    }

    public static void softmax(View x, View out, boolean log) {
        RefCalls.hit("softmax");
        double[] v = Ref.load(x);
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : v.length / cols;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, v[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(v[o + j] - max);
            }
            double logSum = Math.log(sum);
            for (int j = 0; j < cols; j++) {
                v[o + j] = log ? v[o + j] - max - logSum : Math.exp(v[o + j] - max) / sum;
            }
        }
        Ref.store(v, out);
    }

    public static void softmaxBackward(View y, View gy, View gx, boolean log) {
        RefCalls.hit("softmaxBackward");
        double[] yv = Ref.load(y);
        double[] g = Ref.load(gy);
        int cols = y.size(-1);
        int rows = cols == 0 ? 0 : yv.length / cols;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += log ? g[o + j] : g[o + j] * yv[o + j];
            }
            for (int j = 0; j < cols; j++) {
                g[o + j] = log ? g[o + j] - Math.exp(yv[o + j]) * s : yv[o + j] * (g[o + j] - s);
            }
        }
        Ref.store(g, gx);
    }

    public static void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd) {
        RefCalls.hit("layerNorm");
        double[] v = Ref.load(x);
        double[] w = weight == null ? null : Ref.load(weight);
        double[] b = bias == null ? null : Ref.load(bias);
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : v.length / cols;
        double[] mu = new double[rows];
        double[] rs = new double[rows];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += v[o + j];
            }
            double m = s / cols;
            double q = 0;
            for (int j = 0; j < cols; j++) {
                double d = v[o + j] - m;
                q += d * d;
            }
            double inv = 1.0 / Math.sqrt(q / cols + eps);
            mu[r] = m;
            rs[r] = inv;
            for (int j = 0; j < cols; j++) {
                double h = (v[o + j] - m) * inv;
                v[o + j] = h * (w == null ? 1.0 : w[j]) + (b == null ? 0.0 : b[j]);
            }
        }
        Ref.store(v, y);
        Ref.store(mu, mean);
        Ref.store(rs, rstd);
    }

    public static void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        RefCalls.hit("layerNormBackward");
        double[] v = Ref.load(x);
        double[] g = Ref.load(gy);
        double[] w = weight == null ? null : Ref.load(weight);
        double[] mu = Ref.load(mean);
        double[] rs = Ref.load(rstd);
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : v.length / cols;
        double[] dx = new double[v.length];
        double[] dw = new double[cols];
        double[] db = new double[cols];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double sumG = 0;
            double sumGH = 0;
            for (int j = 0; j < cols; j++) {
                double h = (v[o + j] - mu[r]) * rs[r];
                double gh = g[o + j] * (w == null ? 1.0 : w[j]);
                sumG += gh;
                sumGH += gh * h;
                dw[j] += g[o + j] * h;
                db[j] += g[o + j];
            }
            double mg = sumG / cols;
            double mgh = sumGH / cols;
            for (int j = 0; j < cols; j++) {
                double h = (v[o + j] - mu[r]) * rs[r];
                double gh = g[o + j] * (w == null ? 1.0 : w[j]);
                dx[o + j] = rs[r] * (gh - mg - h * mgh);
            }
        }
        if (gx != null) {
            Ref.store(dx, gx);
        }
        if (gw != null) {
            Ref.store(dw, gw);
        }
        if (gb != null) {
            Ref.store(db, gb);
        }
    }

    /** The compute dtype of a floating tensor for per-row statistics. */
    static DType statType(View x) {
        return x.dtype() == DType.F64 ? DType.F64 : DType.F32;
    }
}
