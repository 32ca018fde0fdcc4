package panface.tensor.cpu.image;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;

/**
 * Float32 image kernels on the heap arrays. Unfolding for convolution, parallel over (image,
 * channel) planes: im2col writes each window row with bounds computed once per output row; col2im
 * accumulates back (each plane is owned by one task, so accumulation never races). Bilinear grid
 * sampling: the corners and weights of a sample are computed once for all channels, in double as
 * the reference ({@link ImageReference#gridSample}) does, so the forward gives its bits.
 */
public final class FastImage {
    private FastImage() {
    }

    public static boolean fits(View x, View cols) {
        return x.dtype() == DType.F32 && cols.dtype() == DType.F32 && x.isContiguous() && cols.isContiguous();
    }

    public static void im2col(View x, Conv2dParams p, View cols) {
        float[] src = Ref.storage(x).floats();
        float[] dst = Ref.storage(cols).floats();
        int xo = x.offset();
        int co = cols.offset();
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = p.outH(h);
        int wo = p.outW(w);
        int l = ho * wo;
        int kk = p.kh() * p.kw();
        Parallel.forRange(n * c, Math.max(1, 4096 / Math.max(1, kk * l / 64)), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int sBase = xo + plane * h * w;
                for (int ki = 0; ki < p.kh(); ki++) {
                    for (int kj = 0; kj < p.kw(); kj++) {
                        int dBase = co + (plane * kk + ki * p.kw() + kj) * l;
                        for (int oy = 0; oy < ho; oy++) {
                            int iy = oy * p.sh() - p.ph() + ki * p.dh();
                            int d = dBase + oy * wo;
                            if (iy < 0 || iy >= h) {
                                Arrays.fill(dst, d, d + wo, 0f);
                                continue;
                            }
                            int row = sBase + iy * w;
                            int x0 = kj * p.dw() - p.pw();
                            for (int ox = 0; ox < wo; ox++) {
                                int ix = ox * p.sw() + x0;
                                dst[d + ox] = ix >= 0 && ix < w ? src[row + ix] : 0f;
                            }
                        }
                    }
                }
            }
        });
    }

    public static void col2im(View cols, Conv2dParams p, View x) {
        float[] src = Ref.storage(cols).floats();
        float[] dst = Ref.storage(x).floats();
        int xo = x.offset();
        int co = cols.offset();
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = p.outH(h);
        int wo = p.outW(w);
        int l = ho * wo;
        int kk = p.kh() * p.kw();
        Parallel.forRange(n * c, Math.max(1, 4096 / Math.max(1, kk * l / 64)), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int dBase = xo + plane * h * w;
                for (int ki = 0; ki < p.kh(); ki++) {
                    for (int kj = 0; kj < p.kw(); kj++) {
                        int sBase = co + (plane * kk + ki * p.kw() + kj) * l;
                        for (int oy = 0; oy < ho; oy++) {
                            int iy = oy * p.sh() - p.ph() + ki * p.dh();
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            int row = dBase + iy * w;
                            int s = sBase + oy * wo;
                            int x0 = kj * p.dw() - p.pw();
                            for (int ox = 0; ox < wo; ox++) {
                                int ix = ox * p.sw() + x0;
                                if (ix >= 0 && ix < w) {
                                    dst[row + ix] += src[s + ox];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** Whether every operand the grid sample gets (nulls skipped) is float32 and contiguous. */
    public static boolean fitsGridSample(View... operands) {
        for (View t : operands) {
            if (t != null && (t.dtype() != DType.F32 || !t.isContiguous())) {
                return false;
            }
        }
        return true;
    }

    /** Bilinear sampling with zero padding (forward), parallel over output rows. */
    public static void gridSample(View x, View grid, boolean alignCorners, View out) {
        float[] v = Ref.storage(x).floats();
        float[] gr = Ref.storage(grid).floats();
        float[] o = Ref.storage(out).floats();
        int xo = x.offset();
        int go = grid.offset();
        int oo = out.offset();
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = grid.size(1);
        int wo = grid.size(2);
        Parallel.forRange(n * ho, Math.max(1, 2048 / Math.max(1, wo * c)), (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int b = row / ho;
                int oy = row % ho;
                for (int ox = 0; ox < wo; ox++) {
                    int gi = go + ((b * ho + oy) * wo + ox) * 2;
                    double ix = unnormalize(gr[gi], w, alignCorners);
                    double iy = unnormalize(gr[gi + 1], h, alignCorners);
                    int x0 = (int) Math.floor(ix);
                    int y0 = (int) Math.floor(iy);
                    double tx = ix - x0;
                    double ty = iy - y0;
                    boolean inX0 = x0 >= 0 && x0 < w;
                    boolean inX1 = x0 + 1 >= 0 && x0 + 1 < w;
                    boolean inY0 = y0 >= 0 && y0 < h;
                    boolean inY1 = y0 + 1 >= 0 && y0 + 1 < h;
                    double w00 = (1 - tx) * (1 - ty);
                    double w01 = tx * (1 - ty);
                    double w10 = (1 - tx) * ty;
                    double w11 = tx * ty;
                    int at = y0 * w + x0;
                    for (int ch = 0; ch < c; ch++) {
                        int plane = xo + (b * c + ch) * h * w;
                        // the reference's order: corners (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)
                        double acc = 0;
                        if (inY0 && inX0) {
                            acc += w00 * v[plane + at];
                        }
                        if (inY0 && inX1) {
                            acc += w01 * v[plane + at + 1];
                        }
                        if (inY1 && inX0) {
                            acc += w10 * v[plane + at + w];
                        }
                        if (inY1 && inX1) {
                            acc += w11 * v[plane + at + w + 1];
                        }
                        o[oo + ((b * c + ch) * ho + oy) * wo + ox] = (float) acc;
                    }
                }
            }
        });
    }

    /**
     * The grid sample's gradients, accumulated into gx and/or ggrid (either may be null), parallel
     * over images: each image's gradient planes and grid rows belong to one task, so nothing races.
     */
    public static void gridSampleBackward(View x, View grid, boolean alignCorners, View gy, View gx, View ggrid) {
        float[] v = Ref.storage(x).floats();
        float[] gr = Ref.storage(grid).floats();
        float[] g = Ref.storage(gy).floats();
        float[] dx = gx == null ? null : Ref.storage(gx).floats();
        float[] dg = ggrid == null ? null : Ref.storage(ggrid).floats();
        int xo = x.offset();
        int go = grid.offset();
        int yo = gy.offset();
        int dxo = gx == null ? 0 : gx.offset();
        int dgo = ggrid == null ? 0 : ggrid.offset();
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = grid.size(1);
        int wo = grid.size(2);
        double sx = alignCorners ? (w - 1) / 2.0 : w / 2.0;
        double sy = alignCorners ? (h - 1) / 2.0 : h / 2.0;
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int b = lo; b < hi; b++) {
                for (int p = 0; p < ho * wo; p++) {
                    int gi = ((b * ho) * wo + p) * 2;
                    double ix = unnormalize(gr[go + gi], w, alignCorners);
                    double iy = unnormalize(gr[go + gi + 1], h, alignCorners);
                    int x0 = (int) Math.floor(ix);
                    int y0 = (int) Math.floor(iy);
                    double tx = ix - x0;
                    double ty = iy - y0;
                    boolean inX0 = x0 >= 0 && x0 < w;
                    boolean inX1 = x0 + 1 >= 0 && x0 + 1 < w;
                    boolean inY0 = y0 >= 0 && y0 < h;
                    boolean inY1 = y0 + 1 >= 0 && y0 + 1 < h;
                    int at = y0 * w + x0;
                    double gix = 0;
                    double giy = 0;
                    for (int ch = 0; ch < c; ch++) {
                        int plane = (b * c + ch) * h * w;
                        double up = g[yo + (b * c + ch) * ho * wo + p];
                        // d/dix and d/diy of the interpolation, from the corners inside the image only (as the
                        // reference: a corner outside contributes nothing, even where its weight is not finite)
                        double ax = 0;
                        double ay = 0;
                        if (inY0 && inX0) {
                            double val = v[xo + plane + at];
                            ax -= val * (1 - ty);
                            ay -= val * (1 - tx);
                        }
                        if (inY0 && inX1) {
                            double val = v[xo + plane + at + 1];
                            ax += val * (1 - ty);
                            ay -= val * tx;
                        }
                        if (inY1 && inX0) {
                            double val = v[xo + plane + at + w];
                            ax -= val * ty;
                            ay += val * (1 - tx);
                        }
                        if (inY1 && inX1) {
                            double val = v[xo + plane + at + w + 1];
                            ax += val * ty;
                            ay += val * tx;
                        }
                        if (dx != null) {
                            int d = dxo + plane + at;
                            if (inY0 && inX0) {
                                dx[d] += (float) ((1 - tx) * (1 - ty) * up);
                            }
                            if (inY0 && inX1) {
                                dx[d + 1] += (float) (tx * (1 - ty) * up);
                            }
                            if (inY1 && inX0) {
                                dx[d + w] += (float) ((1 - tx) * ty * up);
                            }
                            if (inY1 && inX1) {
                                dx[d + w + 1] += (float) (tx * ty * up);
                            }
                        }
                        gix += ax * up;
                        giy += ay * up;
                    }
                    if (dg != null) {
                        dg[dgo + gi] += (float) (gix * sx);
                        dg[dgo + gi + 1] += (float) (giy * sy);
                    }
                }
            }
        });
    }

    /** A normalised grid coordinate in [-1, 1] as a pixel position (PyTorch's grid_sampler_unnormalize). */
    private static double unnormalize(double g, int size, boolean alignCorners) {
        return alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
    }
}
