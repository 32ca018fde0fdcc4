package panface.tensor.cpu.image;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;

/**
 * Float32 pooling on the heap arrays, the fast twins of {@link ImageReference}' maxPool,
 * avgPool and adaptiveAvgPool (same names, same windows, same results), parallel over
 * (image, channel) planes, each plane owned by one task so the backward's accumulation never
 * races. The max keeps the reference's rule (a NaN wins, then the last NaN) and its flat argmax
 * within the plane; the averages sum each window in double and divide once, as the reference
 * does, so forward outputs are the reference's rounded to float32. The backward of the averages
 * accumulates one plane at a time in a double scratch row and rounds once, so an input covered by
 * several windows gets the reference's sum too.
 */
public final class FastPool {
    /** Elements of work per task below which a range of planes is not split further. */
    private static final int GRAIN_ELEMENTS = 16384;

    private FastPool() {
    }

    /** Whether every operand is float32 and contiguous (argmax, if given, I64 and contiguous). */
    public static boolean fits(View x, View out, View argmax) {
        return x.dtype() == DType.F32 && out.dtype() == DType.F32 && x.isContiguous() && out.isContiguous()
                && (argmax == null || argmax.dtype() == DType.I64 && argmax.isContiguous());
    }

    private static int grain(int perPlane) {
        return Math.max(1, GRAIN_ELEMENTS / Math.max(1, perPlane));
    }

    public static void maxPool(View x, Pool2dParams p, View out, View argmax) {
        float[] v = Ref.storage(x).floats();
        float[] o = Ref.storage(out).floats();
        long[] a = Ref.storage(argmax).longs();
        int xo = x.offset();
        int oo = out.offset();
        int ao = argmax.offset();
        int h = x.size(2);
        int w = x.size(3);
        int ho = out.size(2);
        int wo = out.size(3);
        Parallel.forRange(x.size(0) * x.size(1), grain(ho * wo * p.kh() * p.kw()), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = xo + pl * h * w;
                for (int oy = 0; oy < ho; oy++) {
                    int y0 = oy * p.sh() - p.ph();
                    int y1 = Math.min(y0 + p.kh(), h);
                    y0 = Math.max(y0, 0);
                    int k = (pl * ho + oy) * wo;
                    for (int ox = 0; ox < wo; ox++) {
                        int x0 = ox * p.sw() - p.pw();
                        int x1 = Math.min(x0 + p.kw(), w);
                        x0 = Math.max(x0, 0);
                        float best = Float.NEGATIVE_INFINITY;
                        int bi = y0 * w + x0;
                        for (int iy = y0; iy < y1; iy++) {
                            int row = base + iy * w;
                            for (int ix = x0; ix < x1; ix++) {
                                float val = v[row + ix];
                                if (val > best || val != val) {
                                    best = val;
                                    bi = iy * w + ix;
                                }
                            }
                        }
                        o[oo + k + ox] = best;
                        a[ao + k + ox] = bi;
                    }
                }
            }
        });
    }

    /** Adds each output gradient onto its argmax in gx (gx's contents are kept, as the reference does). */
    public static void maxPoolBackward(View gy, View argmax, View gx) {
        float[] g = Ref.storage(gy).floats();
        long[] a = Ref.storage(argmax).longs();
        float[] v = Ref.storage(gx).floats();
        int go = gy.offset();
        int ao = argmax.offset();
        int xo = gx.offset();
        int hw = gx.size(2) * gx.size(3);
        int per = gy.size(2) * gy.size(3);
        Parallel.forRange(gx.size(0) * gx.size(1), grain(per), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = xo + pl * hw;
                for (int k = pl * per, end = k + per; k < end; k++) {
                    long i = a[ao + k];
                    if (i < 0 || i >= hw) {
                        throw new IndexOutOfBoundsException("max pooling index " + i + " outside a plane of " + hw);
                    }
                    v[base + (int) i] += g[go + k];
                }
            }
        });
    }

    public static void avgPool(View x, Pool2dParams p, View out) {
        float[] v = Ref.storage(x).floats();
        float[] o = Ref.storage(out).floats();
        int xo = x.offset();
        int oo = out.offset();
        int h = x.size(2);
        int w = x.size(3);
        int ho = out.size(2);
        int wo = out.size(3);
        Parallel.forRange(x.size(0) * x.size(1), grain(ho * wo * p.kh() * p.kw()), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int base = xo + pl * h * w;
                for (int oy = 0; oy < ho; oy++) {
                    int wy0 = oy * p.sh() - p.ph();
                    int y0 = Math.max(wy0, 0);
                    int y1 = Math.min(wy0 + p.kh(), h);
                    for (int ox = 0; ox < wo; ox++) {
                        int wx0 = ox * p.sw() - p.pw();
                        int x0 = Math.max(wx0, 0);
                        int x1 = Math.min(wx0 + p.kw(), w);
                        double s = 0;
                        for (int iy = y0; iy < y1; iy++) {
                            int row = base + iy * w;
                            for (int ix = x0; ix < x1; ix++) {
                                s += v[row + ix];
                            }
                        }
                        o[oo + (pl * ho + oy) * wo + ox] = (float) (s / ImageReference.avgDivisor(p, h, w, wy0, wx0));
                    }
                }
            }
        });
    }

    public static void avgPoolBackward(View gy, Pool2dParams p, View gx) {
        float[] g = Ref.storage(gy).floats();
        float[] v = Ref.storage(gx).floats();
        int go = gy.offset();
        int xo = gx.offset();
        int h = gx.size(2);
        int w = gx.size(3);
        int ho = gy.size(2);
        int wo = gy.size(3);
        Parallel.forRange(gx.size(0) * gx.size(1), grain(ho * wo * p.kh() * p.kw()), (lo, hi) -> {
            double[] acc = new double[h * w];
            for (int pl = lo; pl < hi; pl++) {
                Arrays.fill(acc, 0);
                for (int oy = 0; oy < ho; oy++) {
                    int wy0 = oy * p.sh() - p.ph();
                    int y0 = Math.max(wy0, 0);
                    int y1 = Math.min(wy0 + p.kh(), h);
                    for (int ox = 0; ox < wo; ox++) {
                        int wx0 = ox * p.sw() - p.pw();
                        int x0 = Math.max(wx0, 0);
                        int x1 = Math.min(wx0 + p.kw(), w);
                        double share = g[go + (pl * ho + oy) * wo + ox] / (double) ImageReference.avgDivisor(p, h, w, wy0, wx0);
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                acc[iy * w + ix] += share;
                            }
                        }
                    }
                }
                int base = xo + pl * h * w;
                for (int i = 0; i < acc.length; i++) {
                    v[base + i] = (float) acc[i];
                }
            }
        });
    }

    /** Forward when gy is null (x to out), else the backward (gy to gx, overwritten); the reference's windows. */
    public static void adaptiveAvgPool(View x, View out, View gy, View gx) {
        boolean forward = gy == null;
        View in = forward ? x : gx;
        View o = forward ? out : gy;
        float[] src = Ref.storage(forward ? x : gy).floats();
        float[] dst = Ref.storage(forward ? out : gx).floats();
        int so = (forward ? x : gy).offset();
        int doff = (forward ? out : gx).offset();
        int h = in.size(2);
        int w = in.size(3);
        int ho = o.size(2);
        int wo = o.size(3);
        Parallel.forRange(in.size(0) * in.size(1), grain(h * w + ho * wo), (lo, hi) -> {
            double[] acc = forward ? null : new double[h * w];
            for (int pl = lo; pl < hi; pl++) {
                if (!forward) {
                    Arrays.fill(acc, 0);
                }
                for (int oy = 0; oy < ho; oy++) {
                    int y0 = ImageReference.start(oy, h, ho);
                    int y1 = ImageReference.end(oy, h, ho);
                    for (int ox = 0; ox < wo; ox++) {
                        int x0 = ImageReference.start(ox, w, wo);
                        int x1 = ImageReference.end(ox, w, wo);
                        int count = (y1 - y0) * (x1 - x0);
                        int k = (pl * ho + oy) * wo + ox;
                        if (forward) {
                            double s = 0;
                            for (int iy = y0; iy < y1; iy++) {
                                int row = so + (pl * h + iy) * w;
                                for (int ix = x0; ix < x1; ix++) {
                                    s += src[row + ix];
                                }
                            }
                            dst[doff + k] = (float) (s / count);
                        } else {
                            double share = src[so + k] / (double) count;
                            for (int iy = y0; iy < y1; iy++) {
                                for (int ix = x0; ix < x1; ix++) {
                                    acc[iy * w + ix] += share;
                                }
                            }
                        }
                    }
                }
                if (!forward) {
                    int base = doff + pl * h * w;
                    for (int i = 0; i < acc.length; i++) {
                        dst[base + i] = (float) acc[i];
                    }
                }
            }
        });
    }
}
