// Shared definitions of panface's CUDA kernels. Compiled at run time by NVRTC (no system headers:
// everything needed is declared here) and checked with `nvcc -ptx` by the test suite.
#pragma once

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;

#define MAX_RANK 8

// A strided view: element i (in row-major order over size) lives at offset + sum(idx_d * stride_d).
struct Layout {
    i64 offset;
    int rank;
    int contiguous;
    i64 size[MAX_RANK];
    i64 stride[MAX_RANK];
};

__device__ __forceinline__ i64 offset_of(const Layout& l, i64 i) {
    if (l.contiguous) {
        return l.offset + i;
    }
    i64 off = l.offset;
    for (int d = l.rank - 1; d >= 0; --d) {
        i64 s = l.size[d];
        i64 q = i / s;
        off += (i - q * s) * l.stride[d];
        i = q;
    }
    return off;
}

// ---- element types ----------------------------------------------------------------------------
// BF16 and F16 are stored as 16-bit words and converted with the hardware instructions; BOOL is a
// byte holding 0 or 1.
struct bf16 { unsigned short x; };
struct f16 { unsigned short x; };
struct b8 { unsigned char x; };

__device__ __forceinline__ float bf16_to_float(unsigned short h) { return __uint_as_float(((u32)h) << 16); }
__device__ __forceinline__ unsigned short float_to_bf16(float f) {
    u32 u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short)((u >> 16) | 0x40u);  // quiet NaN
    }
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
    return (unsigned short)(u >> 16);
}
__device__ __forceinline__ float f16_to_float(unsigned short h) {
    float f;
    asm("{ cvt.f32.f16 %0, %1; }" : "=f"(f) : "h"(h));
    return f;
}
__device__ __forceinline__ unsigned short float_to_f16(float f) {
    unsigned short h;
    asm("{ cvt.rn.f16.f32 %0, %1; }" : "=h"(h) : "f"(f));
    return h;
}

// Num<T>: the compute type C (float for F32/BF16/F16, double for F64 and integers, as on the CPU
// reference) and conversions. Conversions to integers truncate toward zero; to BOOL test != 0.
template <typename T> struct Num;
template <> struct Num<float> {
    typedef float C;
    static __device__ __forceinline__ float load(float v) { return v; }
    static __device__ __forceinline__ float store(float v) { return v; }
    static __device__ __forceinline__ double to_d(float v) { return v; }
    static __device__ __forceinline__ float from_d(double v) { return (float)v; }
    static __device__ __forceinline__ i64 to_i(float v) { return (i64)v; }
    static __device__ __forceinline__ float from_i(i64 v) { return (float)v; }
};
template <> struct Num<double> {
    typedef double C;
    static __device__ __forceinline__ double load(double v) { return v; }
    static __device__ __forceinline__ double store(double v) { return v; }
    static __device__ __forceinline__ double to_d(double v) { return v; }
    static __device__ __forceinline__ double from_d(double v) { return v; }
    static __device__ __forceinline__ i64 to_i(double v) { return (i64)v; }
    static __device__ __forceinline__ double from_i(i64 v) { return (double)v; }
};
template <> struct Num<bf16> {
    typedef float C;
    static __device__ __forceinline__ float load(bf16 v) { return bf16_to_float(v.x); }
    static __device__ __forceinline__ bf16 store(float v) { bf16 r; r.x = float_to_bf16(v); return r; }
    static __device__ __forceinline__ double to_d(bf16 v) { return bf16_to_float(v.x); }
    static __device__ __forceinline__ bf16 from_d(double v) { return store((float)v); }
    static __device__ __forceinline__ i64 to_i(bf16 v) { return (i64)bf16_to_float(v.x); }
    static __device__ __forceinline__ bf16 from_i(i64 v) { return store((float)v); }
};
template <> struct Num<f16> {
    typedef float C;
    static __device__ __forceinline__ float load(f16 v) { return f16_to_float(v.x); }
    static __device__ __forceinline__ f16 store(float v) { f16 r; r.x = float_to_f16(v); return r; }
    static __device__ __forceinline__ double to_d(f16 v) { return f16_to_float(v.x); }
    static __device__ __forceinline__ f16 from_d(double v) { return store((float)v); }
    static __device__ __forceinline__ i64 to_i(f16 v) { return (i64)f16_to_float(v.x); }
    static __device__ __forceinline__ f16 from_i(i64 v) { return store((float)v); }
};
template <> struct Num<int> {
    typedef double C;
    static __device__ __forceinline__ double load(int v) { return v; }
    static __device__ __forceinline__ int store(double v) { return (int)v; }
    static __device__ __forceinline__ double to_d(int v) { return v; }
    static __device__ __forceinline__ int from_d(double v) { return (int)v; }
    static __device__ __forceinline__ i64 to_i(int v) { return v; }
    static __device__ __forceinline__ int from_i(i64 v) { return (int)v; }
};
template <> struct Num<i64> {
    typedef double C;
    static __device__ __forceinline__ double load(i64 v) { return (double)v; }
    static __device__ __forceinline__ i64 store(double v) { return (i64)v; }
    static __device__ __forceinline__ double to_d(i64 v) { return (double)v; }
    static __device__ __forceinline__ i64 from_d(double v) { return (i64)v; }
    static __device__ __forceinline__ i64 to_i(i64 v) { return v; }
    static __device__ __forceinline__ i64 from_i(i64 v) { return v; }
};
template <> struct Num<b8> {
    typedef double C;
    static __device__ __forceinline__ double load(b8 v) { return v.x; }
    static __device__ __forceinline__ b8 store(double v) { b8 r; r.x = v != 0 ? 1 : 0; return r; }
    static __device__ __forceinline__ double to_d(b8 v) { return v.x; }
    static __device__ __forceinline__ b8 from_d(double v) { return store(v); }
    static __device__ __forceinline__ i64 to_i(b8 v) { return v.x; }
    static __device__ __forceinline__ b8 from_i(i64 v) { b8 r; r.x = v != 0 ? 1 : 0; return r; }
};

// ---- math with one name for float and double --------------------------------------------------
__device__ __forceinline__ float m_exp(float x) { return expf(x); }
__device__ __forceinline__ double m_exp(double x) { return exp(x); }
__device__ __forceinline__ float m_log(float x) { return logf(x); }
__device__ __forceinline__ double m_log(double x) { return log(x); }
__device__ __forceinline__ float m_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double m_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float m_sin(float x) { return sinf(x); }
__device__ __forceinline__ double m_sin(double x) { return sin(x); }
__device__ __forceinline__ float m_cos(float x) { return cosf(x); }
__device__ __forceinline__ double m_cos(double x) { return cos(x); }
__device__ __forceinline__ float m_acos(float x) { return acosf(x); }
__device__ __forceinline__ double m_acos(double x) { return acos(x); }
__device__ __forceinline__ float m_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double m_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float m_erf(float x) { return erff(x); }
__device__ __forceinline__ double m_erf(double x) { return erf(x); }
__device__ __forceinline__ float m_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double m_pow(double x, double y) { return pow(x, y); }
__device__ __forceinline__ float m_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double m_abs(double x) { return fabs(x); }
__device__ __forceinline__ bool m_isnan(float x) { return x != x; }
__device__ __forceinline__ bool m_isnan(double x) { return x != x; }
template <typename C> __device__ __forceinline__ C m_inf() { return (C)__int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double m_inf<double>() { return __longlong_as_double(0x7ff0000000000000LL); }
template <typename C> __device__ __forceinline__ C m_nan() { return (C)__int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double m_nan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }

// ---- reductions within a warp and a block -----------------------------------------------------
template <typename C> __device__ __forceinline__ C warp_sum(C v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
template <typename C> __device__ __forceinline__ C warp_max(C v) {
    for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// scratch holds 32 values of C; the call synchronises, so it can be reused right after.
template <typename C> __device__ C block_sum(C v, C* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    C r = lane < nw ? scratch[lane] : (C)0;
    r = warp_sum(r);
    return r;
}
template <typename C> __device__ C block_max(C v, C* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    C r = lane < nw ? scratch[lane] : -m_inf<C>();
    r = warp_max(r);
    return r;
}

// ---- errors reported to the host --------------------------------------------------------------
// err[0]: code (0 none, 1 index out of range, 2 integer division by zero); err[1..2]: the
// offending value (low, high words); err[3]: the bound; err[4]: the position. First error wins.
__device__ __forceinline__ void report_error(int* err, int code, i64 value, i64 bound, i64 pos) {
    if (atomicCAS(err, 0, code) == 0) {
        err[1] = (int)(value & 0xffffffffLL);
        err[2] = (int)(value >> 32);
        err[3] = (int)bound;
        err[4] = (int)pos;
    }
}

// ---- atomic accumulation (index_add, scatter_add, pooling and sampling backward) --------------
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(i64* p, i64 v) { atomicAdd((u64*)p, (u64)v); }
// 16-bit floats: compare-and-swap on the aligned 32-bit word holding the half-word.
template <typename H> __device__ void atomic_add_16(H* p, float v) {
    u32* word = (u32*)((u64)p & ~(u64)3);
    bool high = ((u64)p & 2) != 0;
    u32 old = *word, assumed;
    do {
        assumed = old;
        unsigned short h = high ? (unsigned short)(assumed >> 16) : (unsigned short)(assumed & 0xffffu);
        H hv; hv.x = h;
        H nv = Num<H>::store(Num<H>::load(hv) + v);
        u32 updated = high ? ((assumed & 0x0000ffffu) | ((u32)nv.x << 16)) : ((assumed & 0xffff0000u) | nv.x);
        old = atomicCAS(word, assumed, updated);
    } while (assumed != old);
}
__device__ __forceinline__ void atomic_add(bf16* p, float v) { atomic_add_16(p, v); }
__device__ __forceinline__ void atomic_add(f16* p, float v) { atomic_add_16(p, v); }

// Grid-stride loop over [0, n).
#define FOR_N(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

// Instantiation helpers: KERNEL_T(name, T) declares extern "C" name_<suffix>.
#define FOR_FLOAT_TYPES(M) M(f32, float) M(f64, double) M(bf16, bf16) M(f16, f16)
#define FOR_ALL_TYPES(M) M(f32, float) M(f64, double) M(bf16, bf16) M(f16, f16) M(i32, int) M(i64, i64) M(b8, b8)
