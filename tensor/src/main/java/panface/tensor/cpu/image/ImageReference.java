package panface.tensor.cpu.image;

import panface.tensor.View;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * Reference kernels for images (N, C, H, W): unfolding for convolution, pooling and bilinear grid
 * sampling, in double on row-major copies, with PyTorch's window and coordinate rules.
 */
public final class ImageReference {
    private ImageReference() {
    }

    public static void im2col(View x, Conv2dParams p, View cols) {
        RefCalls.hit("im2col");
        double[] v = Ref.load(x);
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = p.outH(h);
        int wo = p.outW(w);
        int l = ho * wo;
        int rows = c * p.kh() * p.kw();
        double[] out = new double[n * rows * l];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < p.kh(); ki++) {
                    for (int kj = 0; kj < p.kw(); kj++) {
                        int r = (ch * p.kh() + ki) * p.kw() + kj;
                        int base = (b * rows + r) * l;
                        for (int oy = 0; oy < ho; oy++) {
                            int iy = oy * p.sh() - p.ph() + ki * p.dh();
                            for (int ox = 0; ox < wo; ox++) {
                                int ix = ox * p.sw() - p.pw() + kj * p.dw();
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    out[base + oy * wo + ox] = v[((b * c + ch) * h + iy) * w + ix];
                                }
                            }
                        }
                    }
                }
            }
        }
        Ref.store(out, cols);
    }

    public static void col2im(View cols, Conv2dParams p, View x) {
        RefCalls.hit("col2im");
        double[] cv = Ref.load(cols);
        double[] v = Ref.load(x);
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = p.outH(h);
        int wo = p.outW(w);
        int l = ho * wo;
        int rows = c * p.kh() * p.kw();
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < p.kh(); ki++) {
                    for (int kj = 0; kj < p.kw(); kj++) {
                        int r = (ch * p.kh() + ki) * p.kw() + kj;
                        int base = (b * rows + r) * l;
                        for (int oy = 0; oy < ho; oy++) {
                            int iy = oy * p.sh() - p.ph() + ki * p.dh();
                            for (int ox = 0; ox < wo; ox++) {
                                int ix = ox * p.sw() - p.pw() + kj * p.dw();
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    v[((b * c + ch) * h + iy) * w + ix] += cv[base + oy * wo + ox];
                                }
                            }
                        }
                    }
                }
            }
        }
        Ref.store(v, x);
    }

    public static void maxPool(View x, Pool2dParams p, View out, View argmax) {
        RefCalls.hit("maxPool2d");
        double[] v = Ref.load(x);
        int planes = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = out.size(2);
        int wo = out.size(3);
        double[] o = new double[planes * ho * wo];
        long[] a = new long[o.length];
        for (int pl = 0; pl < planes; pl++) {
            for (int oy = 0; oy < ho; oy++) {
                int y0 = oy * p.sh() - p.ph();
                int y1 = Math.min(y0 + p.kh(), h);
                y0 = Math.max(y0, 0);
                for (int ox = 0; ox < wo; ox++) {
                    int x0 = ox * p.sw() - p.pw();
                    int x1 = Math.min(x0 + p.kw(), w);
                    x0 = Math.max(x0, 0);
                    double best = Double.NEGATIVE_INFINITY;
                    int bi = y0 * w + x0;
                    for (int iy = y0; iy < y1; iy++) {
                        for (int ix = x0; ix < x1; ix++) {
                            double val = v[(pl * h + iy) * w + ix];
                            if (val > best || Double.isNaN(val)) {
                                best = val;
                                bi = iy * w + ix;
                            }
                        }
                    }
                    int k = (pl * ho + oy) * wo + ox;
                    o[k] = best;
                    a[k] = bi;
                }
            }
        }
        Ref.store(o, out);
        Ref.storeLong(a, argmax);
    }

    public static void maxPoolBackward(View gy, View argmax, View gx) {
        RefCalls.hit("maxPool2dBackward");
        double[] g = Ref.load(gy);
        long[] a = Ref.loadLong(argmax);
        double[] v = Ref.load(gx);
        int planes = gx.size(0) * gx.size(1);
        int hw = gx.size(2) * gx.size(3);
        int per = gy.size(2) * gy.size(3);
        for (int pl = 0; pl < planes; pl++) {
            for (int k = 0; k < per; k++) {
                v[pl * hw + (int) a[pl * per + k]] += g[pl * per + k];
            }
        }
        Ref.store(v, gx);
    }

    /** Calls body(plane, oy, ox, y0, y1, x0, x1, divisor) for every average-pooling window. */
    private interface Window {
        void at(int pl, int oy, int ox, int y0, int y1, int x0, int x1, int divisor);
    }

    /**
     * The divisor of the average-pooling window starting at (y0, x0) (padding included): the
     * window clipped to the padded input with count_include_pad, else clipped to the input.
     * Shared with {@link FastPool}.
     */
    static int avgDivisor(Pool2dParams p, int h, int w, int y0, int x0) {
        int y1 = Math.min(y0 + p.kh(), h + p.ph());
        int x1 = Math.min(x0 + p.kw(), w + p.pw());
        int poolSize = (y1 - y0) * (x1 - x0);
        return p.countIncludePad() ? poolSize : (Math.min(y1, h) - Math.max(y0, 0)) * (Math.min(x1, w) - Math.max(x0, 0));
    }

    private static void avgWindows(Pool2dParams p, int planes, int h, int w, int ho, int wo, Window body) {
        for (int pl = 0; pl < planes; pl++) {
            for (int oy = 0; oy < ho; oy++) {
                for (int ox = 0; ox < wo; ox++) {
                    int wy0 = oy * p.sh() - p.ph();
                    int wx0 = ox * p.sw() - p.pw();
                    body.at(pl, oy, ox, Math.max(wy0, 0), Math.min(wy0 + p.kh(), h), Math.max(wx0, 0), Math.min(wx0 + p.kw(), w),
                            avgDivisor(p, h, w, wy0, wx0));
                }
            }
        }
    }

    public static void avgPool(View x, Pool2dParams p, View out) {
        RefCalls.hit("avgPool2d");
        double[] v = Ref.load(x);
        int h = x.size(2);
        int w = x.size(3);
        int ho = out.size(2);
        int wo = out.size(3);
        double[] o = new double[out.numel()];
        avgWindows(p, x.size(0) * x.size(1), h, w, ho, wo, (pl, oy, ox, y0, y1, x0, x1, div) -> {
            double s = 0;
            for (int iy = y0; iy < y1; iy++) {
                for (int ix = x0; ix < x1; ix++) {
                    s += v[(pl * h + iy) * w + ix];
                }
            }
            o[(pl * ho + oy) * wo + ox] = s / div;
        });
        Ref.store(o, out);
    }

    public static void avgPoolBackward(View gy, Pool2dParams p, View gx) {
        RefCalls.hit("avgPool2dBackward");
        double[] g = Ref.load(gy);
        int h = gx.size(2);
        int w = gx.size(3);
        int ho = gy.size(2);
        int wo = gy.size(3);
        double[] v = new double[gx.numel()];
        avgWindows(p, gx.size(0) * gx.size(1), h, w, ho, wo, (pl, oy, ox, y0, y1, x0, x1, div) -> {
            double share = g[(pl * ho + oy) * wo + ox] / div;
            for (int iy = y0; iy < y1; iy++) {
                for (int ix = x0; ix < x1; ix++) {
                    v[(pl * h + iy) * w + ix] += share;
                }
            }
        });
        Ref.store(v, gx);
    }

    /** First input row (or column) of adaptive pooling window i of out over in; shared with {@link FastPool}. */
    static int start(int i, int in, int out) {
        return (int) Math.floor((double) i * in / out);
    }

    /** One past the last input row (or column) of adaptive pooling window i of out over in. */
    static int end(int i, int in, int out) {
        return (int) Math.ceil((double) (i + 1) * in / out);
    }

    public static void adaptiveAvgPool(View x, View out, View gy, View gx) {
        RefCalls.hit("adaptiveAvgPool2d");
        boolean forward = gy == null;
        View in = forward ? x : gx;
        View o = forward ? out : gy;
        int planes = in.size(0) * in.size(1);
        int h = in.size(2);
        int w = in.size(3);
        int ho = o.size(2);
        int wo = o.size(3);
        double[] src = forward ? Ref.load(x) : Ref.load(gy);
        double[] dst = new double[forward ? out.numel() : gx.numel()];
        for (int pl = 0; pl < planes; pl++) {
            for (int oy = 0; oy < ho; oy++) {
                int y0 = start(oy, h, ho);
                int y1 = end(oy, h, ho);
                for (int ox = 0; ox < wo; ox++) {
                    int x0 = start(ox, w, wo);
                    int x1 = end(ox, w, wo);
                    int count = (y1 - y0) * (x1 - x0);
                    int k = (pl * ho + oy) * wo + ox;
                    if (forward) {
                        double s = 0;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                s += src[(pl * h + iy) * w + ix];
                            }
                        }
                        dst[k] = s / count;
                    } else {
                        double share = src[k] / count;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                dst[(pl * h + iy) * w + ix] += share;
                            }
                        }
                    }
                }
            }
        }
        Ref.store(dst, forward ? out : gx);
    }

    private static double unnormalize(double g, int size, boolean alignCorners) {
        return alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
    }

    /**
     * Bilinear sampling with zero padding. Forward when gy is null; otherwise accumulates the
     * gradients into gx and/or ggrid (either may be null).
     */
    public static void gridSample(View x, View grid, boolean alignCorners, View out, View gy, View gx, View ggrid) {
        RefCalls.hit("gridSample");
        double[] v = Ref.load(x);
        double[] gr = Ref.load(grid);
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = grid.size(1);
        int wo = grid.size(2);
        boolean forward = gy == null;
        double[] o = forward ? new double[n * c * ho * wo] : null;
        double[] g = forward ? null : Ref.load(gy);
        double[] dx = gx == null ? null : new double[v.length];
        double[] dg = ggrid == null ? null : new double[gr.length];
        double sx = alignCorners ? (w - 1) / 2.0 : w / 2.0;
        double sy = alignCorners ? (h - 1) / 2.0 : h / 2.0;
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < ho; oy++) {
                for (int ox = 0; ox < wo; ox++) {
                    int gi = ((b * ho + oy) * wo + ox) * 2;
                    double ix = unnormalize(gr[gi], w, alignCorners);
                    double iy = unnormalize(gr[gi + 1], h, alignCorners);
                    int x0 = (int) Math.floor(ix);
                    int y0 = (int) Math.floor(iy);
                    double tx = ix - x0;
                    double ty = iy - y0;
                    double gix = 0;
                    double giy = 0;
                    for (int ch = 0; ch < c; ch++) {
                        int plane = (b * c + ch) * h * w;
                        int oi = ((b * c + ch) * ho + oy) * wo + ox;
                        double up = forward ? 0 : g[oi];
                        double acc = 0;
                        for (int corner = 0; corner < 4; corner++) {
                            int cx = x0 + (corner & 1);
                            int cy = y0 + (corner >> 1);
                            double wx = (corner & 1) == 1 ? tx : 1 - tx;
                            double wy = (corner >> 1) == 1 ? ty : 1 - ty;
                            if (cx < 0 || cx >= w || cy < 0 || cy >= h) {
                                continue;
                            }
                            double val = v[plane + cy * w + cx];
                            if (forward) {
                                acc += wx * wy * val;
                            } else {
                                if (dx != null) {
                                    dx[plane + cy * w + cx] += wx * wy * up;
                                }
                                double dwx = (corner & 1) == 1 ? 1 : -1;
                                double dwy = (corner >> 1) == 1 ? 1 : -1;
                                gix += dwx * wy * val * up;
                                giy += dwy * wx * val * up;
                            }
                        }
                        if (forward) {
                            o[oi] = acc;
                        }
                    }
                    if (dg != null) {
                        dg[gi] += gix * sx;
                        dg[gi + 1] += giy * sy;
                    }
                }
            }
        }
        if (forward) {
            Ref.store(o, out);
            return;
        }
        if (dx != null) {
            Ref.accumulate(dx, gx);
        }
        if (dg != null) {
            Ref.accumulate(dg, ggrid);
        }
    }
}
