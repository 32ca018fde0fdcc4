package panface.tensor.cpu.channel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.ReduceOp;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.math.VecMath;
import panface.tensor.math.VecReproducible;

/**
 * Batch normalisation's per-channel statistics and gradients over contiguous (N, C, ...)
 * tensors, and sums over every dimension around one block of kept dimensions (a broadcast
 * per-channel operand's gradient). Each task owns whole channels; within a channel each plane is
 * summed in float (vector lanes) and the plane sums are added in double. Entries return false when
 * the operands do not fit, computing nothing.
 */
public final class BatchNormKernels {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private BatchNormKernels() {
    }

    /** Per-channel mean and biased variance (two passes: the mean, then squared deviations from it). */
    public static boolean moments(View x, View mean, View var) {
        ChannelKernels.Planes p = x.dim() < 2 ? null : ChannelKernels.Planes.of(x, x.size(1));
        if (p == null || !ChannelKernels.fits(x.dtype(), x, mean, var) || mean.numel() != p.c() || var.numel() != p.c()) {
            return false;
        }
        int c = p.c();
        int n = p.n();
        int inner = p.inner();
        double count = (double) n * inner;
        int xo = x.offset();
        int mo = mean.offset();
        int vo = var.offset();
        if (x.dtype() == DType.F32) {
            float[] xs = VecElementwise.data(x);
            float[] ms = VecElementwise.data(mean);
            float[] vs = VecElementwise.data(var);
            ChannelKernels.forChannels(p, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    double s = 0;
                    for (int b = 0; b < n; b++) {
                        s += sumMinusSquared(xs, xo + (b * c + ch) * inner, inner, 0f, false);
                    }
                    float m = (float) (s / count);
                    double q = 0;
                    for (int b = 0; b < n; b++) {
                        q += sumMinusSquared(xs, xo + (b * c + ch) * inner, inner, m, true);
                    }
                    ms[mo + ch] = m;
                    vs[vo + ch] = (float) (q / count);
                }
            });
        } else {
            double[] xs = Ref.storage(x).doubles();
            double[] ms = Ref.storage(mean).doubles();
            double[] vs = Ref.storage(var).doubles();
            ChannelKernels.forChannels(p, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    double s = 0;
                    for (int b = 0; b < n; b++) {
                        for (int i = (b * c + ch) * inner; i < (b * c + ch + 1) * inner; i++) {
                            s += xs[xo + i];
                        }
                    }
                    double m = s / count;
                    double q = 0;
                    for (int b = 0; b < n; b++) {
                        for (int i = (b * c + ch) * inner; i < (b * c + ch + 1) * inner; i++) {
                            double d = xs[xo + i] - m;
                            q += d * d;
                        }
                    }
                    ms[mo + ch] = m;
                    vs[vo + ch] = q / count;
                }
            });
        }
        return true;
    }

    /** The sum of a[o + i] (square: of (a[o + i] - m)^2) over [0, n). */
    private static float sumMinusSquared(float[] a, int o, int n, float m, boolean square) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, o + i);
            if (square) {
                v = v.sub(m);
                acc = v.fma(v, acc);
            } else {
                acc = acc.add(v);
            }
        }
        float r = VecReproducible.sum(acc);
        for (; i < n; i++) {
            float v = a[o + i] - m;
            r += square ? v * v : a[o + i];
        }
        return r;
    }

    /**
     * Training-mode gradients given the batch mean and rstd = 1/sqrt(var + eps), as PyTorch: with
     * h = (x - mean) rstd and M values per channel, gx = w rstd (gy - sum(gy)/M - h sum(gy h)/M),
     * gw = sum(gy h), gb = sum(gy). weight null means 1; gx, gw, gb may each be null (written, not accumulated).
     */
    public static boolean backward(View x, View mean, View rstd, View weight, View gy, View gx, View gw, View gb) {
        ChannelKernels.Planes p = x.dim() < 2 ? null : ChannelKernels.Planes.of(x, x.size(1));
        if (p == null || !ChannelKernels.fits(x.dtype(), x, mean, rstd, weight, gy, gx, gw, gb)) {
            return false;
        }
        int c = p.c();
        int n = p.n();
        int inner = p.inner();
        double count = (double) n * inner;
        if (x.dtype() == DType.F32) {
            float[] xs = VecElementwise.data(x);
            float[] gs = VecElementwise.data(gy);
            float[] ms = VecElementwise.data(mean);
            float[] rs = VecElementwise.data(rstd);
            float[] ws = weight == null ? null : VecElementwise.data(weight);
            float[] dx = gx == null ? null : VecElementwise.data(gx);
            float[] dw = gw == null ? null : VecElementwise.data(gw);
            float[] db = gb == null ? null : VecElementwise.data(gb);
            int xo = x.offset();
            int go = gy.offset();
            int dxo = gx == null ? 0 : gx.offset();
            ChannelKernels.forChannels(p, (lo, hi) -> {
                float[] pair = new float[2];
                for (int ch = lo; ch < hi; ch++) {
                    float m = ms[mean.offset() + ch];
                    double r = rs[rstd.offset() + ch];
                    double sg = 0;
                    double sgd = 0;
                    for (int b = 0; b < n; b++) {
                        int base = (b * c + ch) * inner;
                        sums(xs, xo + base, gs, go + base, inner, m, pair);
                        sg += pair[0];
                        sgd += pair[1];
                    }
                    double sgh = sgd * r;
                    if (dw != null) {
                        dw[gw.offset() + ch] = (float) sgh;
                    }
                    if (db != null) {
                        db[gb.offset() + ch] = (float) sg;
                    }
                    if (dx == null) {
                        continue;
                    }
                    double w = ws == null ? 1.0 : ws[weight.offset() + ch];
                    // gx = a gy + k (x - mean) + d, one fused pass
                    float a = (float) (w * r);
                    float k = (float) (-w * r * r * sgh / count);
                    float d = (float) (-w * r * sg / count);
                    for (int b = 0; b < n; b++) {
                        int base = (b * c + ch) * inner;
                        int i = 0;
                        for (; i + L <= inner; i += L) {
                            FloatVector g = FloatVector.fromArray(S, gs, go + base + i);
                            FloatVector v = FloatVector.fromArray(S, xs, xo + base + i).sub(m);
                            v.fma(FloatVector.broadcast(S, k), g.fma(a, d)).intoArray(dx, dxo + base + i);
                        }
                        for (; i < inner; i++) {
                            dx[dxo + base + i] = (xs[xo + base + i] - m) * k + (gs[go + base + i] * a + d);
                        }
                    }
                }
            });
        } else {
            double[] xs = Ref.storage(x).doubles();
            double[] gs = Ref.storage(gy).doubles();
            double[] ms = Ref.storage(mean).doubles();
            double[] rs = Ref.storage(rstd).doubles();
            double[] ws = weight == null ? null : Ref.storage(weight).doubles();
            double[] dx = gx == null ? null : Ref.storage(gx).doubles();
            double[] dw = gw == null ? null : Ref.storage(gw).doubles();
            double[] db = gb == null ? null : Ref.storage(gb).doubles();
            int xo = x.offset();
            int go = gy.offset();
            int dxo = gx == null ? 0 : gx.offset();
            ChannelKernels.forChannels(p, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    double m = ms[mean.offset() + ch];
                    double r = rs[rstd.offset() + ch];
                    double sg = 0;
                    double sgh = 0;
                    for (int b = 0; b < n; b++) {
                        for (int i = (b * c + ch) * inner; i < (b * c + ch + 1) * inner; i++) {
                            sg += gs[go + i];
                            sgh += gs[go + i] * (xs[xo + i] - m) * r;
                        }
                    }
                    if (dw != null) {
                        dw[gw.offset() + ch] = sgh;
                    }
                    if (db != null) {
                        db[gb.offset() + ch] = sg;
                    }
                    if (dx == null) {
                        continue;
                    }
                    double w = ws == null ? 1.0 : ws[weight.offset() + ch];
                    for (int b = 0; b < n; b++) {
                        for (int i = (b * c + ch) * inner; i < (b * c + ch + 1) * inner; i++) {
                            double h = (xs[xo + i] - m) * r;
                            dx[dxo + i] = w * r * (gs[go + i] - sg / count - h * sgh / count);
                        }
                    }
                }
            });
        }
        return true;
    }

    /** pair = (sum of g, sum of g (x - m)) over [0, n). */
    private static void sums(float[] x, int xo, float[] g, int go, int n, float m, float[] pair) {
        FloatVector sg = FloatVector.zero(S);
        FloatVector sgd = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            sg = sg.add(gv);
            sgd = FloatVector.fromArray(S, x, xo + i).sub(m).fma(gv, sgd);
        }
        float a = VecReproducible.sum(sg);
        float b = VecReproducible.sum(sgd);
        for (; i < n; i++) {
            a += g[go + i];
            b += g[go + i] * (x[xo + i] - m);
        }
        pair[0] = a;
        pair[1] = b;
    }

    /**
     * SUM of a contiguous float32 x over every dimension outside one run of kept dimensions
     * [k0, k1) (the gradient of an operand broadcast along the others, such as a (1, C, 1, 1)
     * bias against (N, C, H, W)); false for other reductions.
     */
    public static boolean sumAround(ReduceOp op, View x, int[] dims, View out) {
        int r = x.dim();
        if (op != ReduceOp.SUM || !VecElementwise.f32Contiguous(x, out) || dims.length == 0 || dims.length >= r) {
            return false;
        }
        int lead = 0;
        while (lead < dims.length && dims[lead] == lead) {
            lead++;
        }
        int k0 = lead;
        int k1 = lead == dims.length ? r : dims[lead];
        for (int i = lead; i < dims.length; i++) {
            if (dims[i] != k1 + (i - lead)) {
                return false;
            }
        }
        if (lead < dims.length && dims[dims.length - 1] != r - 1) {
            return false;
        }
        int outer = 1;
        int kept = 1;
        int inner = 1;
        for (int d = 0; d < r; d++) {
            if (d < k0) {
                outer *= x.size(d);
            } else if (d < k1) {
                kept *= x.size(d);
            } else {
                inner *= x.size(d);
            }
        }
        float[] xs = VecElementwise.data(x);
        float[] os = VecElementwise.data(out);
        int xo = x.offset();
        int oo = out.offset();
        int nOuter = outer;
        int nKept = kept;
        int nInner = inner;
        ChannelKernels.Planes p = new ChannelKernels.Planes(outer, kept, inner);
        ChannelKernels.forChannels(p, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double s = 0;
                for (int b = 0; b < nOuter; b++) {
                    s += sumMinusSquared(xs, xo + (b * nKept + ch) * nInner, nInner, 0f, false);
                }
                os[oo + ch] = (float) s;
            }
        });
        return true;
    }
}
