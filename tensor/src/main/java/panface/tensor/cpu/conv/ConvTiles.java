package panface.tensor.cpu.conv;

import java.util.Arrays;

import panface.tensor.backend.Conv2dParams;

/**
 * im2col and col2im on tiles of one image: rows (channel, ki, kj) for a run of channels, columns
 * a run [t0, t1) of the output's positions, so that a tile fits the core's cache between being
 * written and being multiplied (or between the product and folding it back). Each output row's
 * window bounds are worked out once per (tap, output row), not per element.
 */
final class ConvTiles {
    private static final ThreadLocal<float[]> SCRATCH = new ThreadLocal<>();

    private ConvTiles() {
    }

    /** This thread's scratch of at least n floats (contents stale). */
    static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s == null || s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }

    /** First output column whose tap at offset x0 (stride sw) lands inside [0, w). */
    static int firstInside(int x0, int sw) {
        return x0 >= 0 ? 0 : Math.ceilDiv(-x0, sw);
    }

    /** One past the last output column whose tap at offset x0 lands inside [0, w). */
    static int endInside(int x0, int sw, int w) {
        return w - 1 - x0 < 0 ? 0 : Math.floorDiv(w - 1 - x0, sw) + 1;
    }

    /**
     * Unfolds channels [0, channels) of an image (channel 0's plane at xo; global channel index
     * ch0 + ci for the prologue f) over output positions [t0, t1) into dst (row stride t1 - t0).
     */
    static void im2col(float[] x, int xo, ConvShape s, int ch0, int channels, int t0, int t1, float[] dst, ConvFused f) {
        Conv2dParams p = s.p();
        int lt = t1 - t0;
        int h = s.h();
        int w = s.w();
        int wo = s.wo();
        boolean affine = f != null && f.hasPrologue();
        for (int ci = 0; ci < channels; ci++) {
            float a = affine ? f.inScale(ch0 + ci) : 1f;
            float b = affine ? f.inShift(ch0 + ci) : 0f;
            int plane = xo + ci * h * w;
            for (int ki = 0; ki < p.kh(); ki++) {
                for (int kj = 0; kj < p.kw(); kj++) {
                    int d = ((ci * p.kh() + ki) * p.kw() + kj) * lt - t0;
                    int x0 = kj * p.dw() - p.pw();
                    int in0 = firstInside(x0, p.sw());
                    int in1 = endInside(x0, p.sw(), w);
                    for (int pos = t0; pos < t1;) {
                        int oy = pos / wo;
                        int ox0 = pos - oy * wo;
                        int ox1 = Math.min(wo, ox0 + (t1 - pos));
                        int dd = d + pos - ox0;
                        int iy = oy * p.sh() - p.ph() + ki * p.dh();
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(dst, dd + ox0, dd + ox1, 0f);
                        } else {
                            int lo = Math.clamp(in0, ox0, ox1);
                            int hi = Math.clamp(in1, lo, ox1);
                            Arrays.fill(dst, dd + ox0, dd + lo, 0f);
                            Arrays.fill(dst, dd + hi, dd + ox1, 0f);
                            int row = plane + iy * w + x0;
                            if (p.sw() == 1 && !affine) {
                                System.arraycopy(x, row + lo, dst, dd + lo, hi - lo);
                            } else if (p.sw() == 1) {
                                for (int ox = lo; ox < hi; ox++) {
                                    dst[dd + ox] = Math.fma(x[row + ox], a, b);
                                }
                            } else {
                                for (int ox = lo; ox < hi; ox++) {
                                    dst[dd + ox] = Math.fma(x[row + ox * p.sw()], a, b);
                                }
                            }
                        }
                        pos += ox1 - ox0;
                    }
                }
            }
        }
    }

    /** Folds a tile laid out as {@link #im2col} writes it back, accumulating into the planes of channels [0, channels) at gxo. */
    static void col2im(float[] src, ConvShape s, int channels, int t0, int t1, float[] gx, int gxo) {
        Conv2dParams p = s.p();
        int lt = t1 - t0;
        int h = s.h();
        int w = s.w();
        int wo = s.wo();
        for (int ci = 0; ci < channels; ci++) {
            int plane = gxo + ci * h * w;
            for (int ki = 0; ki < p.kh(); ki++) {
                for (int kj = 0; kj < p.kw(); kj++) {
                    int d = ((ci * p.kh() + ki) * p.kw() + kj) * lt - t0;
                    int x0 = kj * p.dw() - p.pw();
                    int in0 = firstInside(x0, p.sw());
                    int in1 = endInside(x0, p.sw(), w);
                    for (int pos = t0; pos < t1;) {
                        int oy = pos / wo;
                        int ox0 = pos - oy * wo;
                        int ox1 = Math.min(wo, ox0 + (t1 - pos));
                        int dd = d + pos - ox0;
                        int iy = oy * p.sh() - p.ph() + ki * p.dh();
                        if (iy >= 0 && iy < h) {
                            int lo = Math.clamp(in0, ox0, ox1);
                            int hi = Math.clamp(in1, lo, ox1);
                            int row = plane + iy * w + x0;
                            if (p.sw() == 1) {
                                for (int ox = lo; ox < hi; ox++) {
                                    gx[row + ox] += src[dd + ox];
                                }
                            } else {
                                for (int ox = lo; ox < hi; ox++) {
                                    gx[row + ox * p.sw()] += src[dd + ox];
                                }
                            }
                        }
                        pos += ox1 - ox0;
                    }
                }
            }
        }
    }
}
