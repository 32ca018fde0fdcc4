// Reductions over a set of dimensions. The host splits x's layout into `kept` (one entry per
// output element, giving the base offset) and `red` (the reduced elements, relative offsets).
// A warp (or, for few long reductions, a block) owns each output. ARGMAX/ARGMIN return the first
// index of the extreme value, a NaN counting as the extreme (as the CPU reference and PyTorch).
// Sums over leading dimensions of a contiguous matrix (bias gradients) take the column kernels.
#include "common.cuh"

enum { SUM, MAX, MIN, PROD, ARGMAX, ARGMIN };

template <typename A> struct Acc {
    A v;
    i64 idx;
};

template <typename A> __device__ __forceinline__ A combine(int op, A x, A y) {
    switch (op) {
        case SUM: return x + y;
        case PROD: return x * y;
        case MAX: return (x != x || y != y) ? (x != x ? x : y) : (x > y ? x : y);
        case MIN: return (x != x || y != y) ? (x != x ? x : y) : (x < y ? x : y);
    }
    return x;
}

// The better of two (value, index) candidates for ARGMAX/ARGMIN; idx < 0 marks "none yet".
template <typename A> __device__ __forceinline__ Acc<A> better(int op, Acc<A> p, Acc<A> q) {
    if (p.idx < 0) return q;
    if (q.idx < 0) return p;
    bool pn = p.v != p.v, qn = q.v != q.v;
    if (pn || qn) {
        if (pn && qn) return p.idx <= q.idx ? p : q;
        return pn ? p : q;
    }
    if (p.v == q.v) return p.idx <= q.idx ? p : q;
    bool pWins = op == ARGMAX ? p.v > q.v : p.v < q.v;
    return pWins ? p : q;
}

template <typename A> __device__ __forceinline__ A identity(int op) {
    if (op == PROD) return (A)1;
    return (A)0;
}

// Accumulator type: float for the 16/32-bit floats, double for F64, i64 for integers and BOOL.
template <typename T> struct AccT { typedef float A; };
template <> struct AccT<double> { typedef double A; };
template <> struct AccT<int> { typedef i64 A; };
template <> struct AccT<i64> { typedef i64 A; };
template <> struct AccT<b8> { typedef i64 A; };

template <typename T> __device__ __forceinline__ typename AccT<T>::A acc_load(T v) { return (typename AccT<T>::A)Num<T>::load(v); }
template <> __device__ __forceinline__ i64 acc_load<int>(int v) { return v; }
template <> __device__ __forceinline__ i64 acc_load<i64>(i64 v) { return v; }
template <> __device__ __forceinline__ i64 acc_load<b8>(b8 v) { return v.x; }

template <typename T> __device__ __forceinline__ T acc_store(typename AccT<T>::A v) { return Num<T>::from_d((double)v); }
template <> __device__ __forceinline__ int acc_store<int>(i64 v) { return (int)v; }
template <> __device__ __forceinline__ i64 acc_store<i64>(i64 v) { return v; }
template <> __device__ __forceinline__ b8 acc_store<b8>(i64 v) { b8 r; r.x = v != 0; return r; }

template <typename A> __device__ __forceinline__ A shfl(A v, int o) { return __shfl_xor_sync(0xffffffffu, v, o); }

// Reduces over `group` consecutive lanes (32 for a warp); the result is valid in every lane.
template <typename A> __device__ A warp_combine(int op, A v) {
    for (int o = 16; o > 0; o >>= 1) v = combine(op, v, shfl(v, o));
    return v;
}
template <typename A> __device__ Acc<A> warp_better(int op, Acc<A> c) {
    for (int o = 16; o > 0; o >>= 1) {
        Acc<A> other;
        other.v = shfl(c.v, o);
        other.idx = shfl(c.idx, o);
        c = better(op, c, other);
    }
    return c;
}

// `per` threads cooperate on one output: 32 (a warp) or blockDim.x (the block).
template <typename T>
__device__ void reduce_impl(int op, i64 nOut, const T* x, Layout kept, Layout red, i64 nRed, T* out, Layout lo, i64* argOut,
                            bool wholeBlock) {
    typedef typename AccT<T>::A A;
    __shared__ A sv[32];
    __shared__ i64 si[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    i64 o = wholeBlock ? (i64)blockIdx.x : (i64)blockIdx.x * (blockDim.x >> 5) + warp;
    int tid = wholeBlock ? threadIdx.x : lane;
    int step = wholeBlock ? blockDim.x : 32;
    if (o >= nOut) return;  // uniform per warp (warp mode) or per block (block mode)
    i64 base = offset_of(kept, o);
    bool arg = op == ARGMAX || op == ARGMIN;
    A acc = identity<A>(op);
    Acc<A> best;
    best.v = (A)0;
    best.idx = -1;
    bool any = false;
    for (i64 r = tid; r < nRed; r += step) {
        A v = acc_load<T>(x[base + offset_of(red, r) - red.offset]);
        if (arg) {
            Acc<A> c;
            c.v = v;
            c.idx = r;
            best = better(op, best, c);
        } else {
            acc = any ? combine(op, acc, v) : v;
            any = true;
        }
    }
    if (!arg && !any) {
        // lanes without elements contribute the first element for MAX/MIN, the identity otherwise
        acc = (op == MAX || op == MIN) ? acc_load<T>(x[base]) : identity<A>(op);
    }
    if (arg) {
        best = warp_better(op, best);
    } else {
        acc = warp_combine(op, acc);
    }
    if (wholeBlock) {
        if (lane == 0) {
            sv[warp] = arg ? best.v : acc;
            si[warp] = best.idx;
        }
        __syncthreads();
        if (warp == 0) {
            int nw = blockDim.x >> 5;
            if (arg) {
                Acc<A> c;
                c.v = lane < nw ? sv[lane] : (A)0;
                c.idx = lane < nw ? si[lane] : -1;
                best = warp_better(op, c);
            } else {
                A c = lane < nw ? sv[lane] : sv[0];
                if (op == SUM && lane >= nw) c = (A)0;
                if (op == PROD && lane >= nw) c = (A)1;
                acc = warp_combine(op, c);
            }
        } else {
            return;
        }
    }
    if (lane == 0) {
        if (arg) {
            argOut[offset_of(lo, o)] = best.idx < 0 ? 0 : best.idx;
        } else {
            out[offset_of(lo, o)] = acc_store<T>(acc);
        }
    }
}

// Column sums of a contiguous (rows, cols) matrix in two deterministic stages: each block sums
// a chunk of rows for 256 columns into partial (chunks, cols); the second stage adds the chunks.
template <typename T>
__device__ void colsum_partial_impl(const T* x, i64 rows, i64 cols, i64 rowsPerChunk, typename AccT<T>::A* partial) {
    typedef typename AccT<T>::A A;
    i64 c = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    i64 r0 = (i64)blockIdx.y * rowsPerChunk;
    i64 r1 = r0 + rowsPerChunk < rows ? r0 + rowsPerChunk : rows;
    A s = (A)0;
    for (i64 r = r0; r < r1; ++r) s += acc_load<T>(x[r * cols + c]);
    partial[(i64)blockIdx.y * cols + c] = s;
}

template <typename T>
__device__ void colsum_final_impl(const typename AccT<T>::A* partial, i64 chunks, i64 cols, T* out, Layout lo) {
    typedef typename AccT<T>::A A;
    FOR_N(c, cols) {
        A s = (A)0;
        for (i64 k = 0; k < chunks; ++k) s += partial[k * cols + c];
        out[offset_of(lo, c)] = acc_store<T>(s);
    }
}

#define REDUCE(sfx, T)                                                                                                          \
    extern "C" __global__ void reduce_warp_##sfx(int op, i64 nOut, const T* x, Layout kept, Layout red, i64 nRed, T* out,     \
                                                 Layout lo, i64* argOut) {                                                    \
        reduce_impl<T>(op, nOut, x, kept, red, nRed, out, lo, argOut, false);                                                  \
    }                                                                                                                          \
    extern "C" __global__ void reduce_block_##sfx(int op, i64 nOut, const T* x, Layout kept, Layout red, i64 nRed, T* out,    \
                                                  Layout lo, i64* argOut) {                                                   \
        reduce_impl<T>(op, nOut, x, kept, red, nRed, out, lo, argOut, true);                                                   \
    }                                                                                                                          \
    extern "C" __global__ void colsum_partial_##sfx(const T* x, i64 rows, i64 cols, i64 rowsPerChunk,                        \
                                                    AccT<T>::A* partial) {                                                     \
        colsum_partial_impl<T>(x, rows, cols, rowsPerChunk, partial);                                                          \
    }                                                                                                                          \
    extern "C" __global__ void colsum_final_##sfx(const AccT<T>::A* partial, i64 chunks, i64 cols, T* out, Layout lo) {       \
        colsum_final_impl<T>(partial, chunks, cols, out, lo);                                                                  \
    }
FOR_ALL_TYPES(REDUCE)
