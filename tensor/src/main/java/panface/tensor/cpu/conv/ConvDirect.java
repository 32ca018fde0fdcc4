package panface.tensor.cpu.conv;

import java.util.Arrays;

import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Float convolution with few input channels per group (depthwise 3x3, the 7x7 global depthwise
 * head, 2-channel groups) as direct loops (depthwise forward passes go to {@link ConvDepthwise}): for each output plane, each tap adds weight times the
 * shifted input row onto the output row, the window's bounds worked out once per (tap, row). At
 * stride 1 the inner loop is a contiguous multiply-add the JIT vectorises; a plane of the
 * output (a few KiB) stays in the first-level cache across the taps. Planes go to the threads
 * (one output plane forward, one input plane for the input gradient, one output channel for the
 * weight gradient), so each owns what it writes.
 */
final class ConvDirect {
    private ConvDirect() {
    }

    /** y at yo = conv(x at xo, weight at wOff) with f's parts fused. */
    static void forward(float[] x, int xo, float[] wt, int wOff, float[] y, int yo, ConvShape s, ConvFused f) {
        if (ConvDepthwise.suits(s)) {
            ConvDepthwise.forward(x, xo, wt, wOff, y, yo, s, f);
            return;
        }
        Conv2dParams p = s.p();
        int l = s.l();
        int wo = s.wo();
        int kk = s.kk();
        Parallel.forRange(s.n() * s.o(), Math.max(1, 8192 / Math.max(1, l * kk * s.cg())), (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int n = u / s.o();
                int o = u % s.o();
                int g = o / s.og();
                int yp = yo + u * l;
                Arrays.fill(y, yp, yp + l, 0f);
                for (int ci = 0; ci < s.cg(); ci++) {
                    int ch = g * s.cg() + ci;
                    int xp = xo + (n * s.c() + ch) * s.hw();
                    float a = f == null ? 1f : f.inScale(ch);
                    float b = f == null ? 0f : f.inShift(ch);
                    for (int ki = 0; ki < p.kh(); ki++) {
                        for (int kj = 0; kj < p.kw(); kj++) {
                            float wv = wt[wOff + (o * s.cg() + ci) * kk + ki * p.kw() + kj];
                            int x0 = kj * p.dw() - p.pw();
                            int lo2 = ConvTiles.firstInside(x0, p.sw());
                            int hi2 = Math.min(wo, ConvTiles.endInside(x0, p.sw(), s.w()));
                            for (int oy = 0; oy < s.ho(); oy++) {
                                int iy = oy * p.sh() - p.ph() + ki * p.dh();
                                if (iy >= 0 && iy < s.h()) {
                                    tap(y, yp + oy * wo, x, xp + iy * s.w() + x0, p.sw(), lo2, hi2, wv * a, wv * b);
                                }
                            }
                        }
                    }
                }
                if (f != null) {
                    f.rows(y, yp, l, o, o + 1, l);
                }
            }
        });
    }

    /** y[yr + ox] += ws * x[xr + ox * sw] + wb for ox in [lo, hi). */
    private static void tap(float[] y, int yr, float[] x, int xr, int sw, int lo, int hi, float ws, float wb) {
        if (sw == 1 && wb == 0f) {
            for (int ox = lo; ox < hi; ox++) {
                y[yr + ox] += ws * x[xr + ox];
            }
        } else if (sw == 1) {
            for (int ox = lo; ox < hi; ox++) {
                y[yr + ox] += ws * x[xr + ox] + wb;
            }
        } else {
            for (int ox = lo; ox < hi; ox++) {
                y[yr + ox] += ws * x[xr + ox * sw] + wb;
            }
        }
    }

    /** gx at gxo = the input gradient from gy at gyo (weight at wOff). */
    static void backwardInput(float[] gy, int gyo, float[] wt, int wOff, float[] gx, int gxo, ConvShape s) {
        Conv2dParams p = s.p();
        int l = s.l();
        int wo = s.wo();
        int kk = s.kk();
        Parallel.forRange(s.n() * s.c(), Math.max(1, 8192 / Math.max(1, l * kk * s.og())), (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int n = u / s.c();
                int ch = u % s.c();
                int g = ch / s.cg();
                int ci = ch % s.cg();
                int xp = gxo + u * s.hw();
                Arrays.fill(gx, xp, xp + s.hw(), 0f);
                for (int o = g * s.og(); o < (g + 1) * s.og(); o++) {
                    int yp = gyo + (n * s.o() + o) * l;
                    for (int ki = 0; ki < p.kh(); ki++) {
                        for (int kj = 0; kj < p.kw(); kj++) {
                            float wv = wt[wOff + (o * s.cg() + ci) * kk + ki * p.kw() + kj];
                            int x0 = kj * p.dw() - p.pw();
                            int lo2 = ConvTiles.firstInside(x0, p.sw());
                            int hi2 = Math.min(wo, ConvTiles.endInside(x0, p.sw(), s.w()));
                            int sw = p.sw();
                            for (int oy = 0; oy < s.ho(); oy++) {
                                int iy = oy * p.sh() - p.ph() + ki * p.dh();
                                if (iy < 0 || iy >= s.h()) {
                                    continue;
                                }
                                int xr = xp + iy * s.w() + x0;
                                int yr = yp + oy * wo;
                                if (sw == 1) {
                                    for (int ox = lo2; ox < hi2; ox++) {
                                        gx[xr + ox] += wv * gy[yr + ox];
                                    }
                                } else {
                                    for (int ox = lo2; ox < hi2; ox++) {
                                        gx[xr + ox * sw] += wv * gy[yr + ox];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** gw at gwo = the weight gradient from gy at gyo and x at xo, summed over the images (float rows, double totals). */
    static void backwardWeight(float[] gy, int gyo, float[] x, int xo, float[] gw, int gwo, ConvShape s) {
        Conv2dParams p = s.p();
        int l = s.l();
        int wo = s.wo();
        int kk = s.kk();
        Parallel.forRange(s.o(), 1, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int g = o / s.og();
                for (int ci = 0; ci < s.cg(); ci++) {
                    int ch = g * s.cg() + ci;
                    for (int ki = 0; ki < p.kh(); ki++) {
                        for (int kj = 0; kj < p.kw(); kj++) {
                            int x0 = kj * p.dw() - p.pw();
                            int lo2 = ConvTiles.firstInside(x0, p.sw());
                            int hi2 = Math.min(wo, ConvTiles.endInside(x0, p.sw(), s.w()));
                            double total = 0;
                            for (int n = 0; n < s.n(); n++) {
                                int yp = gyo + (n * s.o() + o) * l;
                                int xp = xo + (n * s.c() + ch) * s.hw();
                                for (int oy = 0; oy < s.ho(); oy++) {
                                    int iy = oy * p.sh() - p.ph() + ki * p.dh();
                                    if (iy >= 0 && iy < s.h()) {
                                        total += dot(gy, yp + oy * wo, x, xp + iy * s.w() + x0, p.sw(), lo2, hi2);
                                    }
                                }
                            }
                            gw[gwo + (o * s.cg() + ci) * kk + ki * p.kw() + kj] = (float) total;
                        }
                    }
                }
            }
        });
    }

    private static float dot(float[] gy, int yr, float[] x, int xr, int sw, int lo, int hi) {
        float acc = 0f;
        for (int ox = lo; ox < hi; ox++) {
            acc += gy[yr + ox] * x[xr + ox * sw];
        }
        return acc;
    }
}
