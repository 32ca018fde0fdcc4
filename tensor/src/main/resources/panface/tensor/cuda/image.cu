// Image kernels on contiguous (N, C, H, W) tensors, with the window and coordinate rules of the
// CPU reference (PyTorch's): unfolding for convolution, max/average/adaptive pooling with their
// gradients, and bilinear grid sampling with zero padding. Gradients that fan in from several
// outputs are gathered per input element where the windows can be enumerated (col2im, average
// pooling), and accumulated atomically otherwise (max pooling, grid sampling).
#include "common.cuh"

struct Conv {
    int kh, kw, sh, sw, ph, pw, dh, dw;
};
struct Pool {
    int kh, kw, sh, sw, ph, pw, countIncludePad;
};

template <typename T>
__device__ void im2col_impl(const T* x, T* cols, int n, int c, int h, int w, int ho, int wo, Conv p) {
    i64 total = (i64)n * c * p.kh * p.kw * ho * wo;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        i64 r = i / wo;
        int oy = (int)(r % ho);
        r /= ho;
        int kj = (int)(r % p.kw);
        r /= p.kw;
        int ki = (int)(r % p.kh);
        r /= p.kh;
        int ch = (int)(r % c);
        int b = (int)(r / c);
        int iy = oy * p.sh - p.ph + ki * p.dh;
        int ix = ox * p.sw - p.pw + kj * p.dw;
        T v = Num<T>::from_d(0.0);
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = x[(((i64)b * c + ch) * h + iy) * w + ix];
        cols[i] = v;
    }
}

// x += fold(cols): each input pixel sums the column entries that read it.
template <typename T>
__device__ void col2im_impl(const T* cols, T* x, int n, int c, int h, int w, int ho, int wo, Conv p) {
    typedef typename Num<T>::C C;
    i64 total = (i64)n * c * h * w;
    i64 l = (i64)ho * wo;
    FOR_N(i, total) {
        int ix = (int)(i % w);
        i64 r = i / w;
        int iy = (int)(r % h);
        r /= h;
        int ch = (int)(r % c);
        int b = (int)(r / c);
        C s = 0;
        for (int ki = 0; ki < p.kh; ++ki) {
            int ty = iy + p.ph - ki * p.dh;
            if (ty < 0 || ty % p.sh != 0) continue;
            int oy = ty / p.sh;
            if (oy >= ho) continue;
            for (int kj = 0; kj < p.kw; ++kj) {
                int tx = ix + p.pw - kj * p.dw;
                if (tx < 0 || tx % p.sw != 0) continue;
                int ox = tx / p.sw;
                if (ox >= wo) continue;
                i64 row = ((i64)b * c * p.kh * p.kw) + ((i64)ch * p.kh + ki) * p.kw + kj;
                s += Num<T>::load(cols[row * l + (i64)oy * wo + ox]);
            }
        }
        x[i] = Num<T>::store(Num<T>::load(x[i]) + s);
    }
}

template <typename T>
__device__ void max_pool_impl(const T* x, T* out, i64* argmax, int planes, int h, int w, int ho, int wo, Pool p) {
    typedef typename Num<T>::C C;
    i64 total = (i64)planes * ho * wo;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        int oy = (int)((i / wo) % ho);
        i64 pl = i / ((i64)wo * ho);
        int y0 = oy * p.sh - p.ph, x0 = ox * p.sw - p.pw;
        int y1 = min(y0 + p.kh, h), x1 = min(x0 + p.kw, w);
        y0 = max(y0, 0);
        x0 = max(x0, 0);
        C best = -m_inf<C>();
        i64 bi = (i64)y0 * w + x0;
        for (int iy = y0; iy < y1; ++iy) {
            for (int ix = x0; ix < x1; ++ix) {
                C v = Num<T>::load(x[(pl * h + iy) * w + ix]);
                if (v > best || m_isnan(v)) {
                    best = v;
                    bi = (i64)iy * w + ix;
                }
            }
        }
        out[i] = Num<T>::store(best);
        argmax[i] = bi;
    }
}

template <typename T>
__device__ void max_pool_backward_impl(const T* gy, const i64* argmax, T* gx, int planes, int hw, int per) {
    i64 total = (i64)planes * per;
    FOR_N(i, total) {
        i64 pl = i / per;
        atomic_add(&gx[pl * hw + argmax[i]], Num<T>::load(gy[i]));
    }
}

__device__ __forceinline__ void avg_window(const Pool& p, int h, int w, int oy, int ox, int* y0, int* y1, int* x0, int* x1, int* div) {
    int a0 = oy * p.sh - p.ph, b0 = ox * p.sw - p.pw;
    int a1 = min(a0 + p.kh, h + p.ph), b1 = min(b0 + p.kw, w + p.pw);
    int pool = (a1 - a0) * (b1 - b0);
    a0 = max(a0, 0);
    b0 = max(b0, 0);
    a1 = min(a1, h);
    b1 = min(b1, w);
    *y0 = a0; *y1 = a1; *x0 = b0; *x1 = b1;
    *div = p.countIncludePad ? pool : (a1 - a0) * (b1 - b0);
}

template <typename T>
__device__ void avg_pool_impl(const T* x, T* out, int planes, int h, int w, int ho, int wo, Pool p) {
    typedef typename Num<T>::C C;
    i64 total = (i64)planes * ho * wo;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        int oy = (int)((i / wo) % ho);
        i64 pl = i / ((i64)wo * ho);
        int y0, y1, x0, x1, div;
        avg_window(p, h, w, oy, ox, &y0, &y1, &x0, &x1, &div);
        C s = 0;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) s += Num<T>::load(x[(pl * h + iy) * w + ix]);
        out[i] = Num<T>::store(s / (C)div);
    }
}

// gx (written, not accumulated): each input pixel gathers the windows that cover it.
template <typename T>
__device__ void avg_pool_backward_impl(const T* gy, T* gx, int planes, int h, int w, int ho, int wo, Pool p) {
    typedef typename Num<T>::C C;
    i64 total = (i64)planes * h * w;
    FOR_N(i, total) {
        int ix = (int)(i % w);
        int iy = (int)((i / w) % h);
        i64 pl = i / ((i64)w * h);
        C s = 0;
        int oyLo = max(0, (iy + p.ph - p.kh + p.sh) / p.sh), oyHi = min(ho - 1, (iy + p.ph) / p.sh);
        int oxLo = max(0, (ix + p.pw - p.kw + p.sw) / p.sw), oxHi = min(wo - 1, (ix + p.pw) / p.sw);
        for (int oy = oyLo; oy <= oyHi; ++oy) {
            for (int ox = oxLo; ox <= oxHi; ++ox) {
                int y0, y1, x0, x1, div;
                avg_window(p, h, w, oy, ox, &y0, &y1, &x0, &x1, &div);
                if (iy < y0 || iy >= y1 || ix < x0 || ix >= x1) continue;
                s += Num<T>::load(gy[(pl * ho + oy) * wo + ox]) / (C)div;
            }
        }
        gx[i] = Num<T>::store(s);
    }
}

__device__ __forceinline__ int adaptive_start(int i, int in, int out) { return (int)floor((double)i * in / out); }
__device__ __forceinline__ int adaptive_end(int i, int in, int out) { return (int)ceil((double)(i + 1) * in / out); }

template <typename T>
__device__ void adaptive_avg_pool_impl(const T* x, T* out, int planes, int h, int w, int ho, int wo) {
    typedef typename Num<T>::C C;
    i64 total = (i64)planes * ho * wo;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        int oy = (int)((i / wo) % ho);
        i64 pl = i / ((i64)wo * ho);
        int y0 = adaptive_start(oy, h, ho), y1 = adaptive_end(oy, h, ho);
        int x0 = adaptive_start(ox, w, wo), x1 = adaptive_end(ox, w, wo);
        C s = 0;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) s += Num<T>::load(x[(pl * h + iy) * w + ix]);
        out[i] = Num<T>::store(s / (C)((y1 - y0) * (x1 - x0)));
    }
}

template <typename T>
__device__ void adaptive_avg_pool_backward_impl(const T* gy, T* gx, int planes, int h, int w, int ho, int wo) {
    typedef typename Num<T>::C C;
    i64 total = (i64)planes * h * w;
    FOR_N(i, total) {
        int ix = (int)(i % w);
        int iy = (int)((i / w) % h);
        i64 pl = i / ((i64)w * h);
        C s = 0;
        for (int oy = 0; oy < ho; ++oy) {
            int y0 = adaptive_start(oy, h, ho), y1 = adaptive_end(oy, h, ho);
            if (iy < y0 || iy >= y1) continue;
            for (int ox = 0; ox < wo; ++ox) {
                int x0 = adaptive_start(ox, w, wo), x1 = adaptive_end(ox, w, wo);
                if (ix < x0 || ix >= x1) continue;
                s += Num<T>::load(gy[(pl * ho + oy) * wo + ox]) / (C)((y1 - y0) * (x1 - x0));
            }
        }
        gx[i] = Num<T>::store(s);
    }
}

template <typename C> __device__ __forceinline__ C unnormalize(C g, int size, int alignCorners) {
    return alignCorners ? (g + (C)1) / (C)2 * (C)(size - 1) : ((g + (C)1) * (C)size - (C)1) / (C)2;
}

template <typename T>
__device__ void grid_sample_impl(const T* x, const T* grid, T* out, int n, int c, int h, int w, int ho, int wo, int alignCorners) {
    typedef typename Num<T>::C C;
    i64 total = (i64)n * c * ho * wo;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        int oy = (int)((i / wo) % ho);
        int ch = (int)((i / ((i64)wo * ho)) % c);
        int b = (int)(i / ((i64)wo * ho * c));
        i64 gi = (((i64)b * ho + oy) * wo + ox) * 2;
        C fx = unnormalize<C>(Num<T>::load(grid[gi]), w, alignCorners);
        C fy = unnormalize<C>(Num<T>::load(grid[gi + 1]), h, alignCorners);
        int x0 = (int)floor(fx), y0 = (int)floor(fy);
        C tx = fx - (C)x0, ty = fy - (C)y0;
        const T* plane = x + ((i64)b * c + ch) * h * w;
        C acc = 0;
        for (int corner = 0; corner < 4; ++corner) {
            int cx = x0 + (corner & 1), cy = y0 + (corner >> 1);
            if (cx < 0 || cx >= w || cy < 0 || cy >= h) continue;
            C wx = (corner & 1) ? tx : (C)1 - tx;
            C wy = (corner >> 1) ? ty : (C)1 - ty;
            acc += wx * wy * Num<T>::load(plane[(i64)cy * w + cx]);
        }
        out[i] = Num<T>::store(acc);
    }
}

// One thread per sampling location: gx accumulates atomically, ggrid (+=) directly.
template <typename T>
__device__ void grid_sample_backward_impl(const T* x, const T* grid, const T* gy, T* gx, T* ggrid, int n, int c, int h, int w, int ho,
                                          int wo, int alignCorners) {
    typedef typename Num<T>::C C;
    i64 total = (i64)n * ho * wo;
    C sx = alignCorners ? (C)(w - 1) / (C)2 : (C)w / (C)2;
    C sy = alignCorners ? (C)(h - 1) / (C)2 : (C)h / (C)2;
    FOR_N(i, total) {
        int ox = (int)(i % wo);
        int oy = (int)((i / wo) % ho);
        int b = (int)(i / ((i64)wo * ho));
        i64 gi = i * 2;
        C fx = unnormalize<C>(Num<T>::load(grid[gi]), w, alignCorners);
        C fy = unnormalize<C>(Num<T>::load(grid[gi + 1]), h, alignCorners);
        int x0 = (int)floor(fx), y0 = (int)floor(fy);
        C tx = fx - (C)x0, ty = fy - (C)y0;
        C gix = 0, giy = 0;
        for (int ch = 0; ch < c; ++ch) {
            i64 planeOff = ((i64)b * c + ch) * h * w;
            C up = Num<T>::load(gy[(((i64)b * c + ch) * ho + oy) * wo + ox]);
            for (int corner = 0; corner < 4; ++corner) {
                int cx = x0 + (corner & 1), cy = y0 + (corner >> 1);
                if (cx < 0 || cx >= w || cy < 0 || cy >= h) continue;
                C wx = (corner & 1) ? tx : (C)1 - tx;
                C wy = (corner >> 1) ? ty : (C)1 - ty;
                C val = Num<T>::load(x[planeOff + (i64)cy * w + cx]);
                if (gx) atomic_add(&gx[planeOff + (i64)cy * w + cx], wx * wy * up);
                C dwx = (corner & 1) ? (C)1 : (C)-1;
                C dwy = (corner >> 1) ? (C)1 : (C)-1;
                gix += dwx * wy * val * up;
                giy += dwy * wx * val * up;
            }
        }
        if (ggrid) {
            ggrid[gi] = Num<T>::store(Num<T>::load(ggrid[gi]) + gix * sx);
            ggrid[gi + 1] = Num<T>::store(Num<T>::load(ggrid[gi + 1]) + giy * sy);
        }
    }
}

#define IMAGE(sfx, T)                                                                                                           \
    extern "C" __global__ void im2col_##sfx(const T* x, T* cols, int n, int c, int h, int w, int ho, int wo, Conv p) {           \
        im2col_impl<T>(x, cols, n, c, h, w, ho, wo, p);                                                                        \
    }                                                                                                                          \
    extern "C" __global__ void col2im_##sfx(const T* cols, T* x, int n, int c, int h, int w, int ho, int wo, Conv p) {           \
        col2im_impl<T>(cols, x, n, c, h, w, ho, wo, p);                                                                        \
    }                                                                                                                          \
    extern "C" __global__ void max_pool_##sfx(const T* x, T* out, i64* argmax, int planes, int h, int w, int ho, int wo,        \
                                              Pool p) {                                                                        \
        max_pool_impl<T>(x, out, argmax, planes, h, w, ho, wo, p);                                                             \
    }                                                                                                                          \
    extern "C" __global__ void max_pool_backward_##sfx(const T* gy, const i64* argmax, T* gx, int planes, int hw, int per) {    \
        max_pool_backward_impl<T>(gy, argmax, gx, planes, hw, per);                                                            \
    }                                                                                                                          \
    extern "C" __global__ void avg_pool_##sfx(const T* x, T* out, int planes, int h, int w, int ho, int wo, Pool p) {            \
        avg_pool_impl<T>(x, out, planes, h, w, ho, wo, p);                                                                     \
    }                                                                                                                          \
    extern "C" __global__ void avg_pool_backward_##sfx(const T* gy, T* gx, int planes, int h, int w, int ho, int wo, Pool p) {   \
        avg_pool_backward_impl<T>(gy, gx, planes, h, w, ho, wo, p);                                                            \
    }                                                                                                                          \
    extern "C" __global__ void adaptive_avg_pool_##sfx(const T* x, T* out, int planes, int h, int w, int ho, int wo) {           \
        adaptive_avg_pool_impl<T>(x, out, planes, h, w, ho, wo);                                                               \
    }                                                                                                                          \
    extern "C" __global__ void adaptive_avg_pool_backward_##sfx(const T* gy, T* gx, int planes, int h, int w, int ho, int wo) { \
        adaptive_avg_pool_backward_impl<T>(gy, gx, planes, h, w, ho, wo);                                                      \
    }                                                                                                                          \
    extern "C" __global__ void grid_sample_##sfx(const T* x, const T* grid, T* out, int n, int c, int h, int w, int ho, int wo, \
                                                 int alignCorners) {                                                           \
        grid_sample_impl<T>(x, grid, out, n, c, h, w, ho, wo, alignCorners);                                                   \
    }                                                                                                                          \
    extern "C" __global__ void grid_sample_backward_##sfx(const T* x, const T* grid, const T* gy, T* gx, T* ggrid, int n, int c, \
                                                          int h, int w, int ho, int wo, int alignCorners) {                    \
        grid_sample_backward_impl<T>(x, grid, gy, gx, ggrid, n, c, h, w, ho, wo, alignCorners);                                \
    }
FOR_FLOAT_TYPES(IMAGE)
