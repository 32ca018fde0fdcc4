package panface.tensor.cpu.rows;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.View;
import panface.tensor.backend.ReduceOp;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.math.VecMath;
import panface.tensor.math.VecReproducible;

/**
 * Float32 row kernels (a row = the contiguous last dimension): reductions, softmax and
 * log-softmax with their backward, and layer normalisation with its backward. Rows are split
 * across threads; statistics accumulate in float vectors with a final double sum per row.
 */
public final class VecRows {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private VecRows() {
    }

    private static int grain(int cols) {
        return Math.max(1, VecElementwise.GRAIN / Math.max(1, cols));
    }

    /**
     * Elements per thread from which a layer norm's forward is split: lower than the other row
     * ops', so that at batch 1 of the face ViT (144 x 256) each thread normalises the rows it
     * will feed into the next product (split the same way), and its output stays in that core's
     * cache (faster at vit_t batch 1 in interleaved runs).
     */
    private static final int LN_GRAIN = 1 << 14;

    private static float sum(float[] a, int o, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, o + i));
        }
        float r = VecReproducible.sum(acc);
        for (; i < n; i++) {
            r += a[o + i];
        }
        return r;
    }

    /** The sum of a[o + i] - c over [0, n). */
    private static float sumMinus(float[] a, int o, int n, float c) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, o + i).sub(c));
        }
        float r = VecReproducible.sum(acc);
        for (; i < n; i++) {
            r += a[o + i] - c;
        }
        return r;
    }

    private static float max(float[] a, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        boolean nan = false;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, o + i);
            nan |= v.test(VectorOperators.IS_NAN).anyTrue();
            acc = acc.max(v);
        }
        float r = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float v = a[o + i];
            nan |= Float.isNaN(v);
            r = Math.max(r, v);
        }
        return nan ? Float.NaN : r;
    }

    private static float min(float[] a, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        boolean nan = false;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, o + i);
            nan |= v.test(VectorOperators.IS_NAN).anyTrue();
            acc = acc.min(v);
        }
        float r = acc.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) {
            float v = a[o + i];
            nan |= Float.isNaN(v);
            r = Math.min(r, v);
        }
        return nan ? Float.NaN : r;
    }

    /**
     * SUM/MAX/MIN of contiguous F32 over a trailing run of dimensions, or SUM over a leading run
     * (keeping the rest, e.g. a bias gradient): the operands of {@link panface.tensor.cpu.CpuKernel#REDUCE_ROWS}.
     */
    public static void reduce(ReduceOp op, View x, int[] dims, View out) {
        float[] xs = VecElementwise.data(x);
        float[] os = VecElementwise.data(out);
        int xo = x.offset();
        int oo = out.offset();
        int r = x.dim();
        int[] shape = x.shape();
        boolean suffix = dims[dims.length - 1] == r - 1 && dims[0] == r - dims.length;
        if (suffix) {
            // rows = the kept leading dimensions, each reduced over the contiguous trailing block
            int cols = panface.tensor.Shape.prod(shape, r - dims.length, r);
            int rows = cols == 0 ? 0 : x.numel() / cols;
            Parallel.forRange(rows, grain(cols), (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    int o = xo + i * cols;
                    os[oo + i] = switch (op) {
                        case SUM -> sum(xs, o, cols);
                        case MAX -> max(xs, o, cols);
                        default -> min(xs, o, cols);
                    };
                }
            });
            return;
        }
        // column sums (a leading run of dimensions reduced)
        int rows = panface.tensor.Shape.prod(shape, 0, dims.length);
        ColumnSums.sum(xs, xo, rows, rows == 0 ? 0 : x.numel() / rows, os, oo);
    }

    public static void softmax(View x, View out, boolean log) {
        float[] xs = VecElementwise.data(x);
        float[] ys = VecElementwise.data(out);
        int xo = x.offset();
        int yo = out.offset();
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Parallel.forRange(rows, grain(cols), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int xr = xo + r * cols;
                int yr = yo + r * cols;
                float mx = max(xs, xr, cols);
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i + L <= cols; i += L) {
                    FloatVector e = VecReproducible.exp(FloatVector.fromArray(S, xs, xr + i).sub(mx));
                    if (!log) {
                        e.intoArray(ys, yr + i);
                    }
                    acc = acc.add(e);
                }
                float s = VecReproducible.sum(acc);
                for (; i < cols; i++) {
                    float e = (float) Math.exp(xs[xr + i] - mx);
                    if (!log) {
                        ys[yr + i] = e;
                    }
                    s += e;
                }
                if (log) {
                    // (x - max) - log s, not x - (max + log s): with logits of a few hundred the sum
                    // max + log s rounds log s away, and the top class's log-probability with it
                    float ls = (float) Math.log(s);
                    int j = 0;
                    for (; j + L <= cols; j += L) {
                        FloatVector.fromArray(S, xs, xr + j).sub(mx).sub(ls).intoArray(ys, yr + j);
                    }
                    for (; j < cols; j++) {
                        ys[yr + j] = (xs[xr + j] - mx) - ls;
                    }
                } else {
                    float inv = 1f / s;
                    int j = 0;
                    for (; j + L <= cols; j += L) {
                        FloatVector.fromArray(S, ys, yr + j).mul(inv).intoArray(ys, yr + j);
                    }
                    for (; j < cols; j++) {
                        ys[yr + j] *= inv;
                    }
                }
            }
        });
    }

    public static void softmaxBackward(View y, View gy, View gx, boolean log) {
        float[] ys = VecElementwise.data(y);
        float[] gs = VecElementwise.data(gy);
        float[] os = VecElementwise.data(gx);
        int yo = y.offset();
        int go = gy.offset();
        int oo = gx.offset();
        int cols = y.size(-1);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        // separate loops for softmax and log-softmax: a vector chosen by a condition inside the
        // loop is a phi of vectors, which C2 boxes
        Parallel.forRange(rows, grain(cols), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int yr = yo + r * cols;
                int gr = go + r * cols;
                int or = oo + r * cols;
                int ub = cols - cols % L;
                FloatVector acc = FloatVector.zero(S);
                float s;
                if (log) {
                    for (int i = 0; i < ub; i += L) {
                        acc = acc.add(FloatVector.fromArray(S, gs, gr + i));
                    }
                    s = VecReproducible.sum(acc);
                    for (int i = ub; i < cols; i++) {
                        s += gs[gr + i];
                    }
                    for (int j = 0; j < ub; j += L) {
                        FloatVector yv = FloatVector.fromArray(S, ys, yr + j);
                        FloatVector.fromArray(S, gs, gr + j).sub(VecReproducible.exp(yv).mul(s)).intoArray(os, or + j);
                    }
                    for (int j = ub; j < cols; j++) {
                        os[or + j] = gs[gr + j] - (float) Math.exp(ys[yr + j]) * s;
                    }
                } else {
                    for (int i = 0; i < ub; i += L) {
                        acc = FloatVector.fromArray(S, gs, gr + i).fma(FloatVector.fromArray(S, ys, yr + i), acc);
                    }
                    s = VecReproducible.sum(acc);
                    for (int i = ub; i < cols; i++) {
                        s += gs[gr + i] * ys[yr + i];
                    }
                    for (int j = 0; j < ub; j += L) {
                        FloatVector yv = FloatVector.fromArray(S, ys, yr + j);
                        yv.mul(FloatVector.fromArray(S, gs, gr + j).sub(s)).intoArray(os, or + j);
                    }
                    for (int j = ub; j < cols; j++) {
                        os[or + j] = ys[yr + j] * (gs[gr + j] - s);
                    }
                }
            }
        });
    }

    public static void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd) {
        float[] xs = VecElementwise.data(x);
        float[] ys = VecElementwise.data(y);
        // a missing weight or bias becomes ones or zeros: conditional vector values in the loop
        // would be phis of vectors, which C2 boxes
        int n = x.size(-1);
        float[] ws = weight == null ? ones(n) : VecElementwise.data(weight);
        float[] bs = bias == null ? new float[n] : VecElementwise.data(bias);
        float[] ms = VecElementwise.data(mean);
        float[] rs = VecElementwise.data(rstd);
        int xo = x.offset();
        int yo = y.offset();
        int wo = weight == null ? 0 : weight.offset();
        int bo = bias == null ? 0 : bias.offset();
        int mo = mean.offset();
        int ro = rstd.offset();
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Parallel.forRange(rows, Math.max(1, LN_GRAIN / Math.max(1, cols)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int xr = xo + r * cols;
                int yr = yo + r * cols;
                // the mean of the differences from the row's first value, not of the values: where a
                // row has a large common offset (1e4 plus noise), float sums of the values round at
                // the offset's scale, often in one direction, and the mean lands many ulps off, which
                // the variance (then var + error^2) makes large beside a small spread; differences from
                // one of the row's own values are of the spread's size and sum accurately (an infinite
                // first value is not subtracted: the mean stays the plain one, infinite or NaN)
                float shift = Float.isFinite(xs[xr]) ? xs[xr] : 0f;
                float mu = shift + sumMinus(xs, xr, cols, shift) / cols;
                FloatVector q = FloatVector.zero(S);
                int i = 0;
                for (; i + L <= cols; i += L) {
                    FloatVector d = FloatVector.fromArray(S, xs, xr + i).sub(mu);
                    q = d.fma(d, q);
                }
                float var = VecReproducible.sum(q);
                for (; i < cols; i++) {
                    float d = xs[xr + i] - mu;
                    var += d * d;
                }
                float inv = (float) (1.0 / Math.sqrt(var / cols + eps));
                ms[mo + r] = mu;
                rs[ro + r] = inv;
                int j = 0;
                for (; j + L <= cols; j += L) {
                    FloatVector.fromArray(S, xs, xr + j).sub(mu).mul(inv).fma(FloatVector.fromArray(S, ws, wo + j),
                            FloatVector.fromArray(S, bs, bo + j)).intoArray(ys, yr + j);
                }
                for (; j < cols; j++) {
                    float h = (xs[xr + j] - mu) * inv;
                    ys[yr + j] = h * ws[wo + j] + bs[bo + j];
                }
            }
        });
    }

    public static void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        float[] xs = VecElementwise.data(x);
        float[] gs = VecElementwise.data(gy);
        float[] ws = weight == null ? ones(x.size(-1)) : VecElementwise.data(weight);
        float[] ms = VecElementwise.data(mean);
        float[] rs = VecElementwise.data(rstd);
        float[] dx = gx == null ? null : VecElementwise.data(gx);
        int xo = x.offset();
        int go = gy.offset();
        int wo = weight == null ? 0 : weight.offset();
        int mo = mean.offset();
        int ro = rstd.offset();
        int dxo = gx == null ? 0 : gx.offset();
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int chunks = Math.max(1, Math.min(Parallel.threads(), rows / Math.max(1, grain(cols))));
        float[][] partW = new float[chunks][gw == null ? 0 : cols];
        float[][] partB = new float[chunks][gb == null ? 0 : cols];
        Parallel.forRange(chunks, 1, (clo, chi) -> {
            for (int c = clo; c < chi; c++) {
                int lo = (int) ((long) rows * c / chunks);
                int hi = (int) ((long) rows * (c + 1) / chunks);
                float[] pw = partW[c];
                float[] pb = partB[c];
                for (int r = lo; r < hi; r++) {
                    int xr = xo + r * cols;
                    int gr = go + r * cols;
                    float mu = ms[mo + r];
                    float inv = rs[ro + r];
                    FloatVector sg = FloatVector.zero(S);
                    FloatVector sgh = FloatVector.zero(S);
                    int i = 0;
                    for (; i + L <= cols; i += L) {
                        FloatVector g = FloatVector.fromArray(S, gs, gr + i);
                        FloatVector h = FloatVector.fromArray(S, xs, xr + i).sub(mu).mul(inv);
                        if (pw.length > 0) {
                            FloatVector.fromArray(S, pw, i).add(g.mul(h)).intoArray(pw, i);
                        }
                        if (pb.length > 0) {
                            FloatVector.fromArray(S, pb, i).add(g).intoArray(pb, i);
                        }
                        FloatVector gh = g.mul(FloatVector.fromArray(S, ws, wo + i));
                        sg = sg.add(gh);
                        sgh = gh.fma(h, sgh);
                    }
                    float tg = VecReproducible.sum(sg);
                    float tgh = VecReproducible.sum(sgh);
                    for (; i < cols; i++) {
                        float g = gs[gr + i];
                        float h = (xs[xr + i] - mu) * inv;
                        if (pw.length > 0) {
                            pw[i] += g * h;
                        }
                        if (pb.length > 0) {
                            pb[i] += g;
                        }
                        float gh = g * ws[wo + i];
                        tg += gh;
                        tgh += gh * h;
                    }
                    if (dx == null) {
                        continue;
                    }
                    float mg = tg / cols;
                    float mgh = tgh / cols;
                    int dr = dxo + r * cols;
                    int j = 0;
                    for (; j + L <= cols; j += L) {
                        FloatVector g = FloatVector.fromArray(S, gs, gr + j);
                        FloatVector h = FloatVector.fromArray(S, xs, xr + j).sub(mu).mul(inv);
                        FloatVector gh = g.mul(FloatVector.fromArray(S, ws, wo + j));
                        gh.sub(mg).sub(h.mul(mgh)).mul(inv).intoArray(dx, dr + j);
                    }
                    for (; j < cols; j++) {
                        float g = gs[gr + j];
                        float h = (xs[xr + j] - mu) * inv;
                        float gh = g * ws[wo + j];
                        dx[dr + j] = (gh - mg - h * mgh) * inv;
                    }
                }
            }
        });
        store(partW, gw, cols);
        store(partB, gb, cols);
    }

    private static void store(float[][] parts, View dst, int cols) {
        if (dst == null) {
            return;
        }
        float[] d = VecElementwise.data(dst);
        int o = dst.offset();
        for (int j = 0; j < cols; j++) {
            float s = 0;
            for (float[] p : parts) {
                s += p[j];
            }
            d[o + j] = s;
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
