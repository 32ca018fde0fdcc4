// Elementwise kernels over strided views: unary ops and their derivatives, binary ops, where,
// dtype conversion, fill and Philox random fills. Op codes are the ordinals of UnaryOp and
// BinaryOp; the formulas come from their descriptions (the headers written from them below).
#include "common.cuh"

// Helpers of the unary ops' CUDA code (see UnaryOp#cudaForward).
template <typename C> __device__ __forceinline__ C sigmoid(C x) {
    if (x >= (C)0) return (C)1 / ((C)1 + m_exp(-x));
    C e = m_exp(x);
    return e / ((C)1 + e);
}

template <typename C> __device__ __forceinline__ C clampc(C x, C lo, C hi) { return x < lo ? lo : (x > hi ? hi : x); }

// The op-code enum (U_NEG, ...) and unary_op / unary_derivative, written from UnaryOp's descriptions
// by CudaUnaryOps and given to the compiler beside common.cuh (CudaKernels).
#include "unary_ops.cuh"

template <typename TI, typename TO>
__device__ void unary_impl(int op, i64 n, const TI* x, Layout lx, TO* y, Layout ly, double a, double b) {
    typedef typename Num<TI>::C C;
    FOR_N(i, n) {
        C v = Num<TI>::load(x[offset_of(lx, i)]);
        C r = unary_op<C>(op, v, (C)a, (C)b);
        y[offset_of(ly, i)] = Num<TO>::from_d((double)r);
    }
}

// gx = gy * op'(x, y); x or y may be absent (null) when the derivative does not need it.
template <typename T>
__device__ void unary_backward_impl(int op, i64 n, const T* x, Layout lx, const T* y, Layout ly, const T* gy, Layout lgy, T* gx,
                                    Layout lgx, double a, double b) {
    typedef typename Num<T>::C C;
    FOR_N(i, n) {
        C xv = x ? Num<T>::load(x[offset_of(lx, i)]) : m_nan<C>();
        C yv = y ? Num<T>::load(y[offset_of(ly, i)]) : m_nan<C>();
        C g = Num<T>::load(gy[offset_of(lgy, i)]);
        gx[offset_of(lgx, i)] = Num<T>::store(g * unary_derivative<C>(op, xv, yv, (C)a, (C)b));
    }
}

// A linear layer's epilogue over contiguous (rows, cols) data: y = act(x + bias[col]), with
// x + bias kept in the compute type (never rounded to a 16-bit storage type in between).
template <typename T>
__device__ void bias_act_impl(int op, i64 n, i64 cols, const T* x, const T* bias, T* y, double a, double b) {
    typedef typename Num<T>::C C;
    FOR_N(i, n) {
        C z = Num<T>::load(x[i]) + Num<T>::load(bias[i % cols]);
        y[i] = Num<T>::store(unary_op<C>(op, z, (C)a, (C)b));
    }
}

// gz = gy * act'(x + bias), recomputing x + bias and act(x + bias) for derivatives that use them.
template <typename T>
__device__ void bias_act_backward_impl(int op, i64 n, i64 cols, const T* x, const T* bias, const T* gy, T* gz, double a,
                                       double b) {
    typedef typename Num<T>::C C;
    FOR_N(i, n) {
        C z = Num<T>::load(x[i]) + Num<T>::load(bias[i % cols]);
        C y = unary_op<C>(op, z, (C)a, (C)b);
        gz[i] = Num<T>::store(Num<T>::load(gy[i]) * unary_derivative<C>(op, z, y, (C)a, (C)b));
    }
}

// The op-code enum (B_ADD, ...) and binary_op / binary_op_int, written from BinaryOp's descriptions
// by CudaBinaryOps and given to the compiler beside common.cuh (CudaKernels).
#include "binary_ops.cuh"

template <typename T, typename TO>
__device__ void binary_impl(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, TO* out, Layout lo) {
    typedef typename Num<T>::C C;
    FOR_N(i, n) {
        C x = Num<T>::load(a[offset_of(la, i)]);
        C y = Num<T>::load(b[offset_of(lb, i)]);
        out[offset_of(lo, i)] = Num<TO>::from_d((double)binary_op<C>(op, x, y));
    }
}

template <typename T, typename TO>
__device__ void binary_int_impl(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, TO* out, Layout lo, int* err) {
    FOR_N(i, n) {
        i64 x = Num<T>::to_i(a[offset_of(la, i)]);
        i64 y = Num<T>::to_i(b[offset_of(lb, i)]);
        out[offset_of(lo, i)] = Num<TO>::from_i(binary_op_int(op, x, y, err, i));
    }
}

template <typename T>
__device__ void where_impl(i64 n, const b8* c, Layout lc, const T* a, Layout la, const T* b, Layout lb, T* out, Layout lo) {
    FOR_N(i, n) {
        out[offset_of(lo, i)] = c[offset_of(lc, i)].x ? a[offset_of(la, i)] : b[offset_of(lb, i)];
    }
}

template <typename S, typename D>
__device__ void convert_impl(i64 n, const S* src, Layout ls, D* dst, Layout ld, int integral) {
    FOR_N(i, n) {
        S v = src[offset_of(ls, i)];
        dst[offset_of(ld, i)] = integral ? Num<D>::from_i(Num<S>::to_i(v)) : Num<D>::from_d(Num<S>::to_d(v));
    }
}

// Same-size copies move raw words; W is the element's byte width.
template <typename W>
__device__ void copy_impl(i64 n, const W* src, Layout ls, W* dst, Layout ld) {
    FOR_N(i, n) { dst[offset_of(ld, i)] = src[offset_of(ls, i)]; }
}

template <typename W>
__device__ void fill_impl(i64 n, W* dst, Layout ld, W value) {
    FOR_N(i, n) { dst[offset_of(ld, i)] = value; }
}

#define UNARY(sfx, T)                                                                                                          \
    extern "C" __global__ void unary_##sfx(int op, i64 n, const T* x, Layout lx, T* y, Layout ly, double a, double b) {         \
        unary_impl<T, T>(op, n, x, lx, y, ly, a, b);                                                                            \
    }                                                                                                                          \
    extern "C" __global__ void unary_pred_##sfx(int op, i64 n, const T* x, Layout lx, b8* y, Layout ly) {                       \
        unary_impl<T, b8>(op, n, x, lx, y, ly, 0, 0);                                                                           \
    }                                                                                                                          \
    extern "C" __global__ void binary_##sfx(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, T* out, Layout lo) {   \
        binary_impl<T, T>(op, n, a, la, b, lb, out, lo);                                                                        \
    }                                                                                                                          \
    extern "C" __global__ void binary_pred_##sfx(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, b8* out,          \
                                                 Layout lo) {                                                                  \
        binary_impl<T, b8>(op, n, a, la, b, lb, out, lo);                                                                       \
    }                                                                                                                          \
    extern "C" __global__ void where_##sfx(i64 n, const b8* c, Layout lc, const T* a, Layout la, const T* b, Layout lb, T* out, \
                                           Layout lo) {                                                                        \
        where_impl<T>(n, c, lc, a, la, b, lb, out, lo);                                                                         \
    }
FOR_ALL_TYPES(UNARY)

#define UNARY_BACKWARD(sfx, T)                                                                                                  \
    extern "C" __global__ void unary_backward_##sfx(int op, i64 n, const T* x, Layout lx, const T* y, Layout ly, const T* gy,  \
                                                    Layout lgy, T* gx, Layout lgx, double a, double b) {                       \
        unary_backward_impl<T>(op, n, x, lx, y, ly, gy, lgy, gx, lgx, a, b);                                                     \
    }                                                                                                                          \
    extern "C" __global__ void bias_act_##sfx(int op, i64 n, i64 cols, const T* x, const T* bias, T* y, double a, double b) {  \
        bias_act_impl<T>(op, n, cols, x, bias, y, a, b);                                                                        \
    }                                                                                                                          \
    extern "C" __global__ void bias_act_backward_##sfx(int op, i64 n, i64 cols, const T* x, const T* bias, const T* gy, T* gz,  \
                                                       double a, double b) {                                                   \
        bias_act_backward_impl<T>(op, n, cols, x, bias, gy, gz, a, b);                                                          \
    }
FOR_FLOAT_TYPES(UNARY_BACKWARD)

#define BINARY_INT(sfx, T)                                                                                                      \
    extern "C" __global__ void binary_int_##sfx(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, T* out, Layout lo, \
                                                int* err) {                                                                    \
        binary_int_impl<T, T>(op, n, a, la, b, lb, out, lo, err);                                                                \
    }                                                                                                                          \
    extern "C" __global__ void binary_int_pred_##sfx(int op, i64 n, const T* a, Layout la, const T* b, Layout lb, b8* out,     \
                                                     Layout lo, int* err) {                                                    \
        binary_int_impl<T, b8>(op, n, a, la, b, lb, out, lo, err);                                                               \
    }
BINARY_INT(i32, int) BINARY_INT(i64, i64) BINARY_INT(b8, b8)

#define CONVERT_TO(sfx_s, S, sfx_d, D)                                                                                          \
    extern "C" __global__ void convert_##sfx_s##_##sfx_d(i64 n, const S* src, Layout ls, D* dst, Layout ld, int integral) {     \
        convert_impl<S, D>(n, src, ls, dst, ld, integral);                                                                       \
    }
#define CONVERT_FROM(sfx_s, S)                                                                                                  \
    CONVERT_TO(sfx_s, S, f32, float) CONVERT_TO(sfx_s, S, f64, double) CONVERT_TO(sfx_s, S, bf16, bf16)                         \
    CONVERT_TO(sfx_s, S, f16, f16) CONVERT_TO(sfx_s, S, i32, int) CONVERT_TO(sfx_s, S, i64, i64) CONVERT_TO(sfx_s, S, b8, b8)
FOR_ALL_TYPES(CONVERT_FROM)

#define COPY_W(name, W)                                                                                                         \
    extern "C" __global__ void copy_##name(i64 n, const W* src, Layout ls, W* dst, Layout ld) { copy_impl<W>(n, src, ls, dst, ld); } \
    extern "C" __global__ void fill_##name(i64 n, W* dst, Layout ld, W value) { fill_impl<W>(n, dst, ld, value); }
COPY_W(w1, unsigned char) COPY_W(w2, unsigned short) COPY_W(w4, u32) COPY_W(w8, u64)

// ---- Philox4x32-10 random fills (the stream layout of the CPU backend's RandomKernels) ---------
__device__ void philox(u64 seed, u64 counter, u32 out[4]) {
    u32 c0 = (u32)counter, c1 = (u32)(counter >> 32), c2 = 0, c3 = 0;
    u32 k0 = (u32)seed, k1 = (u32)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        u32 hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        u32 hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        u32 n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}
__device__ __forceinline__ float uniform_float(u32 w) { return (float)(w >> 8) * 5.9604644775390625e-8f; }
__device__ __forceinline__ double uniform_double(u32 hi, u32 lo) {
    u64 bits = ((u64)(hi >> 5) << 26) | (u64)(lo >> 6);
    return (double)bits * 1.1102230246251565404e-16;
}

enum { UNIFORM, NORMAL, BERNOULLI };
#define TWO_PI 6.283185307179586476925

// One thread per Philox block: four float values, or two doubles for F64 uniform/normal.
template <typename T>
__device__ void random_impl(int dist, i64 n, T* out, u64 seed, u64 offset, double a, double b, int f32Normal) {
    bool wide = sizeof(T) == 8 && dist != BERNOULLI;
    int per = wide ? 2 : 4;
    i64 blocks = (n + per - 1) / per;
    FOR_N(blk, blocks) {
        u32 w[4];
        philox(seed, offset + (u64)blk, w);
        double v[4];
        if (wide) {
            double u0 = uniform_double(w[0], w[1]), u1 = uniform_double(w[2], w[3]);
            // explicit roundings: the compiler would otherwise fuse the multiply and the add into
            // one FMA, which rounds once where the CPU rounds twice
            if (dist == UNIFORM) {
                v[0] = __dadd_rn(a, __dmul_rn(b - a, u0));
                v[1] = __dadd_rn(a, __dmul_rn(b - a, u1));
            } else {
                double r = sqrt(-2.0 * log(1.0 - u0)), t = TWO_PI * u1;
                v[0] = __dadd_rn(a, __dmul_rn(__dmul_rn(b, r), cos(t)));
                v[1] = __dadd_rn(a, __dmul_rn(__dmul_rn(b, r), sin(t)));
            }
        } else {
            float u[4];
            for (int j = 0; j < 4; ++j) u[j] = uniform_float(w[j]);
            if (dist == UNIFORM) {
                for (int j = 0; j < 4; ++j) v[j] = (float)__dadd_rn(a, __dmul_rn(b - a, (double)u[j]));
            } else if (dist == BERNOULLI) {
                for (int j = 0; j < 4; ++j) v[j] = (double)u[j] < a ? 1.0 : 0.0;
            } else {
                for (int j = 0; j < 4; j += 2) {
                    float r = (float)sqrt(-2.0 * log((double)(1.0f - u[j])));
                    float t = (float)(TWO_PI * (double)u[j + 1]);
                    if (f32Normal) {
                        // float32 path of the CPU backend: mean + (std*r) in float, then times cos in double
                        float sr = (float)b * r;
                        v[j] = (float)__dadd_rn((double)(float)a, __dmul_rn((double)sr, cos((double)t)));
                        v[j + 1] = (float)__dadd_rn((double)(float)a, __dmul_rn((double)sr, sin((double)t)));
                    } else {
                        v[j] = (float)__dadd_rn(a, __dmul_rn(__dmul_rn(b, (double)r), cos((double)t)));
                        v[j + 1] = (float)__dadd_rn(a, __dmul_rn(__dmul_rn(b, (double)r), sin((double)t)));
                    }
                }
            }
        }
        for (int j = 0; j < per; ++j) {
            i64 i = blk * per + j;
            if (i < n) out[i] = Num<T>::from_d(v[j]);
        }
    }
}

#define RANDOM(sfx, T)                                                                                                          \
    extern "C" __global__ void random_##sfx(int dist, i64 n, T* out, u64 seed, u64 offset, double a, double b, int f32Normal) { \
        random_impl<T>(dist, n, out, seed, offset, a, b, f32Normal);                                                            \
    }
FOR_ALL_TYPES(RANDOM)
