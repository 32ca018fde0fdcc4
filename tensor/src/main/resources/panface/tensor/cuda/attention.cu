// Fused scaled dot-product attention (FlashAttention-style: online softmax, no T x S matrix in
// memory) for q (B, H, T, D) and k, v (B, H, S, D), any strides with unit stride along D.
// Four lanes share one row, each holding DL = ceil(D/4) of its dimensions in registers; key and
// value tiles are staged in shared memory. The forward saves lse = log-sum-exp of each scaled
// score row; the backward recomputes the probabilities from it: one kernel accumulates dK, dV
// per key row over all queries, another dQ per query row over all keys (no atomics).
// Arithmetic is float for F32/BF16/F16 and double for F64.
#include "common.cuh"

template <typename T> struct AttnAcc { typedef float A; };
template <> struct AttnAcc<double> { typedef double A; };

// Strides (in elements) of a (B, H, T, D) view: batch, head, row; the last stride is 1.
struct Strides4 {
    i64 b, h, t;
};

#define LANES 4
#define ROWS_PER_BLOCK 32
#define TILE 32

__device__ __forceinline__ i64 row_offset(const Strides4& s, int heads, int bh, i64 row) {
    int b = bh / heads, h = bh - b * heads;
    return (i64)b * s.b + (i64)h * s.h + row * s.t;
}

// Rows r0 .. r0+n of two (B, H, rows, d) tensors into shared tiles of TILE x width (in the
// accumulation type), zero-padded past n rows and d columns; the whole block takes part.
template <typename T, typename A>
__device__ __forceinline__ void load_tile_pair(const T* a, const Strides4& sa, const T* b, const Strides4& sb, int heads, int bh,
                                               int r0, int n, int d, int width, A* as, A* bs) {
    for (int idx = threadIdx.x; idx < TILE * width; idx += blockDim.x) {
        int r = idx / width, dd = idx - r * width;
        A av = 0, bv = 0;
        if (r < n && dd < d) {
            av = (A)Num<T>::load(a[row_offset(sa, heads, bh, r0 + r) + dd]);
            bv = (A)Num<T>::load(b[row_offset(sb, heads, bh, r0 + r) + dd]);
        }
        as[idx] = av;
        bs[idx] = bv;
    }
}

template <typename A> __device__ __forceinline__ A group_sum(A v) {
    v += __shfl_xor_sync(0xffffffffu, v, 1);
    v += __shfl_xor_sync(0xffffffffu, v, 2);
    return v;
}

template <typename T, int DL>
__device__ void attention_forward_impl(const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, T* out, Strides4 so,
                                       typename AttnAcc<T>::A* lse, int heads, int tq, int sk_len, int d, double scale) {
    typedef typename AttnAcc<T>::A A;
    extern __shared__ unsigned char smem_raw[];
    A* ks = (A*)smem_raw;           // TILE x (4*DL)
    A* vs = ks + TILE * LANES * DL;  // TILE x (4*DL)
    int bh = blockIdx.y;
    int local = threadIdx.x / LANES, part = threadIdx.x % LANES;
    i64 row = (i64)blockIdx.x * ROWS_PER_BLOCK + local;
    bool live = row < tq;
    int d0 = part * DL;
    A qr[DL], acc[DL];
    const T* qp = q + row_offset(sq, heads, bh, live ? row : 0);
#pragma unroll
    for (int e = 0; e < DL; ++e) {
        int dd = d0 + e;
        qr[e] = live && dd < d ? (A)Num<T>::load(qp[dd]) * (A)scale : (A)0;
        acc[e] = 0;
    }
    A m = -m_inf<A>(), l = 0;
    int width = LANES * DL;
    for (int j0 = 0; j0 < sk_len; j0 += TILE) {
        int n = sk_len - j0 < TILE ? sk_len - j0 : TILE;
        __syncthreads();
        load_tile_pair<T, A>(k, sk, v, sv, heads, bh, j0, n, d, width, ks, vs);
        __syncthreads();
        A s[TILE];
        A tmax = -m_inf<A>();
#pragma unroll
        for (int j = 0; j < TILE; ++j) {
            A part_dot = 0;
#pragma unroll
            for (int e = 0; e < DL; ++e) part_dot += qr[e] * ks[j * width + d0 + e];
            A sc = group_sum(part_dot);
            s[j] = j < n ? sc : -m_inf<A>();
            tmax = fmax(tmax, s[j]);
        }
        A mnew = fmax(m, tmax);
        A corr = m_exp(m - mnew);
        l *= corr;
#pragma unroll
        for (int e = 0; e < DL; ++e) acc[e] *= corr;
#pragma unroll
        for (int j = 0; j < TILE; ++j) {
            A p = j < n ? m_exp(s[j] - mnew) : (A)0;
            l += p;
#pragma unroll
            for (int e = 0; e < DL; ++e) acc[e] += p * vs[j * width + d0 + e];
        }
        m = mnew;
    }
    if (live) {
        T* op = out + row_offset(so, heads, bh, row);
        A inv = (A)1 / l;
#pragma unroll
        for (int e = 0; e < DL; ++e) {
            int dd = d0 + e;
            if (dd < d) op[dd] = Num<T>::store(acc[e] * inv);
        }
        if (part == 0) lse[(i64)bh * tq + row] = m + m_log(l);
    }
}

// delta_i = sum_d dO[i, d] * O[i, d]
template <typename T>
__device__ void attention_delta_impl(const T* out, Strides4 so, const T* gy, Strides4 sg, typename AttnAcc<T>::A* delta, int heads,
                                     int tq, int d, int bhCount) {
    typedef typename AttnAcc<T>::A A;
    i64 warpId = ((i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warpId >= (i64)bhCount * tq) return;
    int bh = (int)(warpId / tq);
    i64 row = warpId - (i64)bh * tq;
    const T* o = out + row_offset(so, heads, bh, row);
    const T* g = gy + row_offset(sg, heads, bh, row);
    A s = 0;
    for (int dd = lane; dd < d; dd += 32) s += (A)Num<T>::load(o[dd]) * (A)Num<T>::load(g[dd]);
    s = warp_sum(s);
    if (lane == 0) delta[warpId] = s;
}

// dK and dV for ROWS_PER_BLOCK key rows, looping over every query.
template <typename T, int DL>
__device__ void attention_dkdv_impl(const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, const T* gy,
                                    Strides4 sg, const typename AttnAcc<T>::A* lse, const typename AttnAcc<T>::A* delta, T* gk,
                                    Strides4 sgk, T* gv, Strides4 sgv, int heads, int tq, int sk_len, int d, double scale) {
    typedef typename AttnAcc<T>::A A;
    extern __shared__ unsigned char smem_raw[];
    int width = LANES * DL;
    A* qs = (A*)smem_raw;        // TILE x width
    A* gs = qs + TILE * width;   // TILE x width
    A* ls = gs + TILE * width;   // TILE
    A* ds = ls + TILE;           // TILE
    int bh = blockIdx.y;
    int local = threadIdx.x / LANES, part = threadIdx.x % LANES;
    i64 row = (i64)blockIdx.x * ROWS_PER_BLOCK + local;
    bool live = row < sk_len;
    int d0 = part * DL;
    A kr[DL], vr[DL], dk[DL], dv[DL];
    const T* kp = k + row_offset(sk, heads, bh, live ? row : 0);
    const T* vp = v + row_offset(sv, heads, bh, live ? row : 0);
#pragma unroll
    for (int e = 0; e < DL; ++e) {
        int dd = d0 + e;
        kr[e] = live && dd < d ? (A)Num<T>::load(kp[dd]) : (A)0;
        vr[e] = live && dd < d ? (A)Num<T>::load(vp[dd]) : (A)0;
        dk[e] = 0;
        dv[e] = 0;
    }
    A sc = (A)scale;
    for (int i0 = 0; i0 < tq; i0 += TILE) {
        int n = tq - i0 < TILE ? tq - i0 : TILE;
        __syncthreads();
        load_tile_pair<T, A>(q, sq, gy, sg, heads, bh, i0, n, d, width, qs, gs);
        for (int i = threadIdx.x; i < TILE; i += blockDim.x) {
            ls[i] = i < n ? lse[(i64)bh * tq + i0 + i] : (A)0;
            ds[i] = i < n ? delta[(i64)bh * tq + i0 + i] : (A)0;
        }
        __syncthreads();
        for (int i = 0; i < n; ++i) {
            A sdot = 0, pdot = 0;
#pragma unroll
            for (int e = 0; e < DL; ++e) {
                sdot += kr[e] * qs[i * width + d0 + e];
                pdot += vr[e] * gs[i * width + d0 + e];
            }
            A s = group_sum(sdot) * sc;
            A dp = group_sum(pdot);
            A p = m_exp(s - ls[i]);
            A dsv = p * (dp - ds[i]) * sc;
#pragma unroll
            for (int e = 0; e < DL; ++e) {
                dv[e] += p * gs[i * width + d0 + e];
                dk[e] += dsv * qs[i * width + d0 + e];
            }
        }
    }
    if (live) {
        T* gkp = gk + row_offset(sgk, heads, bh, row);
        T* gvp = gv + row_offset(sgv, heads, bh, row);
#pragma unroll
        for (int e = 0; e < DL; ++e) {
            int dd = d0 + e;
            if (dd < d) {
                gkp[dd] = Num<T>::store(dk[e]);
                gvp[dd] = Num<T>::store(dv[e]);
            }
        }
    }
}

// dQ for ROWS_PER_BLOCK query rows, looping over every key.
template <typename T, int DL>
__device__ void attention_dq_impl(const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, const T* gy, Strides4 sg,
                                  const typename AttnAcc<T>::A* lse, const typename AttnAcc<T>::A* delta, T* gq, Strides4 sgq, int heads,
                                  int tq, int sk_len, int d, double scale) {
    typedef typename AttnAcc<T>::A A;
    extern __shared__ unsigned char smem_raw[];
    int width = LANES * DL;
    A* ks = (A*)smem_raw;
    A* vs = ks + TILE * width;
    int bh = blockIdx.y;
    int local = threadIdx.x / LANES, part = threadIdx.x % LANES;
    i64 row = (i64)blockIdx.x * ROWS_PER_BLOCK + local;
    bool live = row < tq;
    int d0 = part * DL;
    A qr[DL], gr[DL], dq[DL];
    const T* qp = q + row_offset(sq, heads, bh, live ? row : 0);
    const T* gp = gy + row_offset(sg, heads, bh, live ? row : 0);
#pragma unroll
    for (int e = 0; e < DL; ++e) {
        int dd = d0 + e;
        qr[e] = live && dd < d ? (A)Num<T>::load(qp[dd]) : (A)0;
        gr[e] = live && dd < d ? (A)Num<T>::load(gp[dd]) : (A)0;
        dq[e] = 0;
    }
    A li = live ? lse[(i64)bh * tq + row] : (A)0;
    A di = live ? delta[(i64)bh * tq + row] : (A)0;
    A sc = (A)scale;
    for (int j0 = 0; j0 < sk_len; j0 += TILE) {
        int n = sk_len - j0 < TILE ? sk_len - j0 : TILE;
        __syncthreads();
        load_tile_pair<T, A>(k, sk, v, sv, heads, bh, j0, n, d, width, ks, vs);
        __syncthreads();
        for (int j = 0; j < n; ++j) {
            A sdot = 0, pdot = 0;
#pragma unroll
            for (int e = 0; e < DL; ++e) {
                sdot += qr[e] * ks[j * width + d0 + e];
                pdot += gr[e] * vs[j * width + d0 + e];
            }
            A s = group_sum(sdot) * sc;
            A dp = group_sum(pdot);
            A p = m_exp(s - li);
            A dsv = p * (dp - di) * sc;
#pragma unroll
            for (int e = 0; e < DL; ++e) dq[e] += dsv * ks[j * width + d0 + e];
        }
    }
    if (live) {
        T* o = gq + row_offset(sgq, heads, bh, row);
#pragma unroll
        for (int e = 0; e < DL; ++e) {
            int dd = d0 + e;
            if (dd < d) o[dd] = Num<T>::store(dq[e]);
        }
    }
}

#define ATTN_DL(sfx, T, DL)                                                                                                     \
    extern "C" __global__ void __launch_bounds__(ROWS_PER_BLOCK * LANES) attention_forward_##sfx##_##DL(                       \
        const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, T* out, Strides4 so, AttnAcc<T>::A* lse,     \
        int heads, int tq, int skl, int d, double scale) {                                                                     \
        attention_forward_impl<T, DL>(q, sq, k, sk, v, sv, out, so, lse, heads, tq, skl, d, scale);                             \
    }                                                                                                                          \
    extern "C" __global__ void __launch_bounds__(ROWS_PER_BLOCK * LANES) attention_dkdv_##sfx##_##DL(                          \
        const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, const T* gy, Strides4 sg,                    \
        const AttnAcc<T>::A* lse, const AttnAcc<T>::A* delta, T* gk, Strides4 sgk, T* gv, Strides4 sgv, int heads, int tq,      \
        int skl, int d, double scale) {                                                                                        \
        attention_dkdv_impl<T, DL>(q, sq, k, sk, v, sv, gy, sg, lse, delta, gk, sgk, gv, sgv, heads, tq, skl, d, scale);       \
    }                                                                                                                          \
    extern "C" __global__ void __launch_bounds__(ROWS_PER_BLOCK * LANES) attention_dq_##sfx##_##DL(                            \
        const T* q, Strides4 sq, const T* k, Strides4 sk, const T* v, Strides4 sv, const T* gy, Strides4 sg,                    \
        const AttnAcc<T>::A* lse, const AttnAcc<T>::A* delta, T* gq, Strides4 sgq, int heads, int tq, int skl, int d,           \
        double scale) {                                                                                                        \
        attention_dq_impl<T, DL>(q, sq, k, sk, v, sv, gy, sg, lse, delta, gq, sgq, heads, tq, skl, d, scale);                   \
    }
#define ATTN(sfx, T)                                                                                                            \
    ATTN_DL(sfx, T, 8) ATTN_DL(sfx, T, 16) ATTN_DL(sfx, T, 24) ATTN_DL(sfx, T, 32)                                              \
    extern "C" __global__ void attention_delta_##sfx(const T* out, Strides4 so, const T* gy, Strides4 sg, AttnAcc<T>::A* delta, \
                                                     int heads, int tq, int d, int bhCount) {                                 \
        attention_delta_impl<T>(out, so, gy, sg, delta, heads, tq, d, bhCount);                                                \
    }
FOR_FLOAT_TYPES(ATTN)
