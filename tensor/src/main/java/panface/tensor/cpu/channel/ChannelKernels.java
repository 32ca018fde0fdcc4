package panface.tensor.cpu.channel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.math.VecMath;
import panface.tensor.math.VecReproducible;

/**
 * Per-channel kernels over contiguous (N, C, ...) tensors: a channel affine map (batch
 * normalisation in evaluation, and in training once its statistics are known) and PReLU forward
 * and backward. Float32 with the Vector API, float64 in plain loops; each entry returns false,
 * computing nothing, when its operands do not fit (dtype, layout), and the caller takes the
 * composite path. Per-channel sums add each plane's float sum into a double.
 */
public final class ChannelKernels {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private ChannelKernels() {
    }

    /** The (N, C, inner) view of a contiguous x with per-channel vectors of length c (1: one value for all). */
    record Planes(int n, int c, int inner) {
        int planes() {
            return n * c;
        }

        static Planes of(View x, int perChannel) {
            if (perChannel == 1) {
                return new Planes(1, 1, x.numel());
            }
            if (x.dim() < 2 || x.size(1) != perChannel) {
                return null;
            }
            int inner = 1;
            for (int d = 2; d < x.dim(); d++) {
                inner *= x.size(d);
            }
            return new Planes(x.size(0), perChannel, inner);
        }
    }

    public static boolean fits(DType dt, View... ts) {
        if (dt != DType.F32 && dt != DType.F64) {
            return false;
        }
        for (View t : ts) {
            if (t != null && (t.dtype() != dt || !t.isContiguous())) {
                return false;
            }
        }
        return true;
    }

    /** out = x * scale[c] + shift[c]. */
    public static boolean affine(View x, View scale, View shift, View out) {
        Planes p = Planes.of(x, scale.numel());
        if (p == null || shift.numel() != scale.numel() || !fits(x.dtype(), x, scale, shift, out)) {
            return false;
        }
        int inner = p.inner();
        int c = p.c();
        int xo = x.offset();
        int oo = out.offset();
        if (x.dtype() == DType.F32) {
            float[] xs = VecElementwise.data(x);
            float[] ys = VecElementwise.data(out);
            float[] a = VecElementwise.data(scale);
            float[] b = VecElementwise.data(shift);
            int ao = scale.offset();
            int bo = shift.offset();
            forPlanes(p, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    float k = a[ao + q % c];
                    float d = b[bo + q % c];
                    int base = q * inner;
                    int i = 0;
                    for (; i + L <= inner; i += L) {
                        FloatVector.fromArray(S, xs, xo + base + i).fma(k, d).intoArray(ys, oo + base + i);
                    }
                    for (; i < inner; i++) {
                        ys[oo + base + i] = Math.fma(xs[xo + base + i], k, d);
                    }
                }
            });
        } else {
            double[] xs = Ref.storage(x).doubles();
            double[] ys = Ref.storage(out).doubles();
            double[] a = Ref.storage(scale).doubles();
            double[] b = Ref.storage(shift).doubles();
            int ao = scale.offset();
            int bo = shift.offset();
            forPlanes(p, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    double k = a[ao + q % c];
                    double d = b[bo + q % c];
                    for (int i = q * inner; i < (q + 1) * inner; i++) {
                        ys[oo + i] = xs[xo + i] * k + d;
                    }
                }
            });
        }
        return true;
    }

    /** out = x > 0 ? x : slope[c] * x. */
    public static boolean prelu(View x, View slope, View out) {
        Planes p = Planes.of(x, slope.numel());
        if (p == null || !fits(x.dtype(), x, slope, out)) {
            return false;
        }
        int inner = p.inner();
        int c = p.c();
        int xo = x.offset();
        int oo = out.offset();
        int wo = slope.offset();
        if (x.dtype() == DType.F32) {
            float[] xs = VecElementwise.data(x);
            float[] ys = VecElementwise.data(out);
            float[] w = VecElementwise.data(slope);
            forPlanes(p, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    float k = w[wo + q % c];
                    int base = q * inner;
                    int i = 0;
                    for (; i + L <= inner; i += L) {
                        FloatVector v = FloatVector.fromArray(S, xs, xo + base + i);
                        v.mul(k).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(ys, oo + base + i);
                    }
                    for (; i < inner; i++) {
                        float v = xs[xo + base + i];
                        ys[oo + base + i] = v > 0 ? v : k * v;
                    }
                }
            });
        } else {
            double[] xs = Ref.storage(x).doubles();
            double[] ys = Ref.storage(out).doubles();
            double[] w = Ref.storage(slope).doubles();
            forPlanes(p, (lo, hi) -> {
                for (int q = lo; q < hi; q++) {
                    double k = w[wo + q % c];
                    for (int i = q * inner; i < (q + 1) * inner; i++) {
                        double v = xs[xo + i];
                        ys[oo + i] = v > 0 ? v : k * v;
                    }
                }
            });
        }
        return true;
    }

    /**
     * PReLU's gradients: gx = x > 0 ? gy : slope[c] * gy, and gslope[c] = the sum of gy * x over
     * the elements of channel c that are not above 0 (written, not accumulated). Either may be null.
     */
    public static boolean preluBackward(View x, View slope, View gy, View gx, View gslope) {
        Planes p = Planes.of(x, slope.numel());
        if (p == null || !fits(x.dtype(), x, slope, gy, gx, gslope)) {
            return false;
        }
        int inner = p.inner();
        int c = p.c();
        int n = p.n();
        int xo = x.offset();
        int go = gy.offset();
        int wo = slope.offset();
        int dxo = gx == null ? 0 : gx.offset();
        int dwo = gslope == null ? 0 : gslope.offset();
        if (x.dtype() == DType.F32) {
            float[] xs = VecElementwise.data(x);
            float[] gs = VecElementwise.data(gy);
            float[] w = VecElementwise.data(slope);
            float[] dx = gx == null ? null : VecElementwise.data(gx);
            float[] dw = gslope == null ? null : VecElementwise.data(gslope);
            forChannels(p, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    float k = w[wo + ch];
                    double total = 0;
                    for (int b = 0; b < n; b++) {
                        int base = (b * c + ch) * inner;
                        FloatVector acc = FloatVector.zero(S);
                        int i = 0;
                        for (; i + L <= inner; i += L) {
                            FloatVector v = FloatVector.fromArray(S, xs, xo + base + i);
                            FloatVector g = FloatVector.fromArray(S, gs, go + base + i);
                            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
                            if (dx != null) {
                                g.mul(k).blend(g, pos).intoArray(dx, dxo + base + i);
                            }
                            acc = acc.add(g.mul(v).blend(0f, pos));
                        }
                        float s = VecReproducible.sum(acc);
                        for (; i < inner; i++) {
                            float v = xs[xo + base + i];
                            float g = gs[go + base + i];
                            if (dx != null) {
                                dx[dxo + base + i] = v > 0 ? g : k * g;
                            }
                            s += v > 0 ? 0f : g * v;
                        }
                        total += s;
                    }
                    if (dw != null) {
                        dw[dwo + ch] = (float) total;
                    }
                }
            });
        } else {
            double[] xs = Ref.storage(x).doubles();
            double[] gs = Ref.storage(gy).doubles();
            double[] w = Ref.storage(slope).doubles();
            double[] dx = gx == null ? null : Ref.storage(gx).doubles();
            double[] dw = gslope == null ? null : Ref.storage(gslope).doubles();
            forChannels(p, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    double k = w[wo + ch];
                    double total = 0;
                    for (int b = 0; b < n; b++) {
                        for (int i = (b * c + ch) * inner; i < (b * c + ch + 1) * inner; i++) {
                            double v = xs[xo + i];
                            double g = gs[go + i];
                            if (dx != null) {
                                dx[dxo + i] = v > 0 ? g : k * g;
                            }
                            total += v > 0 ? 0 : g * v;
                        }
                    }
                    if (dw != null) {
                        dw[dwo + ch] = total;
                    }
                }
            });
        }
        return true;
    }

    /** Splits planes (n * c + ch) between threads, about GRAIN elements a task. */
    static void forPlanes(Planes p, Parallel.RangeBody body) {
        Parallel.forRange(p.planes(), Math.max(1, VecElementwise.GRAIN / Math.max(1, p.inner())), body);
    }

    /** Splits channels between threads: each task owns whole channels, so per-channel sums need no merging. */
    static void forChannels(Planes p, Parallel.RangeBody body) {
        long perChannel = (long) p.n() * p.inner();
        Parallel.forRange(p.c(), (int) Math.max(1, VecElementwise.GRAIN / Math.max(1, perChannel)), body);
    }
}
