package panface.tensor.cpu;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.backend.Conv2dParams;

/**
 * Float32 unfolding for convolution on the heap arrays, parallel over (image, channel) planes:
 * im2col writes each window row with bounds computed once per output row; col2im accumulates
 * back (each plane is owned by one task, so accumulation never races).
 */
final class FastImage {
    private FastImage() {
    }

    static boolean fits(Tensor x, Tensor cols) {
        return x.dtype() == DType.F32 && cols.dtype() == DType.F32 && x.isContiguous() && cols.isContiguous();
    }

    static void im2col(Tensor x, Conv2dParams p, Tensor cols) {
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

    static void col2im(Tensor cols, Conv2dParams p, Tensor x) {
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
}
