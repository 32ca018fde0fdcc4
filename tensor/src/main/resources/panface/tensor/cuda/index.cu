// Gather/scatter along a dimension (index_select, index_add, gather, scatter_add) with I64 or I32
// indices. An index out of range is reported to the host (which raises the error) and skipped.
// Accumulation uses atomics, so sums over duplicate indices may round in any order.
#include "common.cuh"

template <typename T> __device__ __forceinline__ void add_to(T* p, T v) { atomic_add(p, Num<T>::load(v)); }
template <> __device__ __forceinline__ void add_to<int>(int* p, int v) { atomic_add(p, v); }
template <> __device__ __forceinline__ void add_to<i64>(i64* p, i64 v) { atomic_add(p, v); }

// x (outer, size, inner) contiguous -> out (outer, k, inner) contiguous
template <typename T, typename I>
__device__ void index_select_impl(i64 outer, i64 size, i64 k, i64 inner, const T* x, const I* idx, T* out, int* err) {
    i64 n = outer * k * inner;
    FOR_N(i, n) {
        i64 c = i % inner, r = i / inner;
        i64 j = r % k, o = r / k;
        i64 t = (i64)idx[j];
        if (t < 0 || t >= size) {
            report_error(err, 1, t, size, j);
            continue;
        }
        out[i] = x[(o * size + t) * inner + c];
    }
}

// out (outer, size, inner) += src (outer, k, inner) at the indexed positions
template <typename T, typename I>
__device__ void index_add_impl(i64 outer, i64 size, i64 k, i64 inner, T* out, const I* idx, const T* src, int* err) {
    i64 n = outer * k * inner;
    FOR_N(i, n) {
        i64 c = i % inner, r = i / inner;
        i64 j = r % k, o = r / k;
        i64 t = (i64)idx[j];
        if (t < 0 || t >= size) {
            report_error(err, 1, t, size, j);
            continue;
        }
        add_to<T>(&out[(o * size + t) * inner + c], src[i]);
    }
}

// out[i] = x[coords(i) with coordinate `dim` replaced by index[i]]; index and out share a shape.
template <typename T, typename I>
__device__ void gather_impl(i64 n, const T* x, Layout lx, const I* index, Layout li, T* out, int dim, int* err) {
    FOR_N(i, n) {
        i64 rem = i, off = lx.offset;
        i64 t = (i64)index[offset_of(li, i)];
        i64 bound = lx.size[dim];
        if (t < 0 || t >= bound) {
            report_error(err, 1, t, bound, i);
            continue;
        }
        for (int d = li.rank - 1; d >= 0; --d) {
            i64 s = li.size[d];
            i64 q = rem / s;
            i64 coord = rem - q * s;
            rem = q;
            off += (d == dim ? t : coord) * lx.stride[d];
        }
        out[i] = x[off];
    }
}

// out[coords(i) with `dim` replaced by index[i]] += src[coords(i)] for every element i of index.
template <typename T, typename I>
__device__ void scatter_add_impl(i64 n, T* out, Layout lo, const I* index, Layout li, const T* src, Layout ls, int dim, int* err) {
    FOR_N(i, n) {
        i64 rem = i, off = lo.offset, soff = ls.offset;
        i64 t = (i64)index[offset_of(li, i)];
        i64 bound = lo.size[dim];
        if (t < 0 || t >= bound) {
            report_error(err, 1, t, bound, i);
            continue;
        }
        for (int d = li.rank - 1; d >= 0; --d) {
            i64 s = li.size[d];
            i64 q = rem / s;
            i64 coord = rem - q * s;
            rem = q;
            off += (d == dim ? t : coord) * lo.stride[d];
            soff += coord * ls.stride[d];
        }
        add_to<T>(&out[off], src[soff]);
    }
}

#define INDEX_TI(sfx, T, isfx, I)                                                                                               \
    extern "C" __global__ void index_select_##sfx##_##isfx(i64 outer, i64 size, i64 k, i64 inner, const T* x, const I* idx,     \
                                                           T* out, int* err) {                                                \
        index_select_impl<T, I>(outer, size, k, inner, x, idx, out, err);                                                      \
    }                                                                                                                          \
    extern "C" __global__ void index_add_##sfx##_##isfx(i64 outer, i64 size, i64 k, i64 inner, T* out, const I* idx,            \
                                                        const T* src, int* err) {                                              \
        index_add_impl<T, I>(outer, size, k, inner, out, idx, src, err);                                                       \
    }                                                                                                                          \
    extern "C" __global__ void gather_##sfx##_##isfx(i64 n, const T* x, Layout lx, const I* index, Layout li, T* out, int dim,  \
                                                     int* err) {                                                               \
        gather_impl<T, I>(n, x, lx, index, li, out, dim, err);                                                                 \
    }                                                                                                                          \
    extern "C" __global__ void scatter_add_##sfx##_##isfx(i64 n, T* out, Layout lo, const I* index, Layout li, const T* src,    \
                                                          Layout ls, int dim, int* err) {                                      \
        scatter_add_impl<T, I>(n, out, lo, index, li, src, ls, dim, err);                                                      \
    }
#define INDEX(sfx, T) INDEX_TI(sfx, T, i64, i64) INDEX_TI(sfx, T, i32, int)
INDEX(f32, float) INDEX(f64, double) INDEX(bf16, bf16) INDEX(f16, f16) INDEX(i32, int) INDEX(i64, i64)

// BOOL data can be selected and gathered (not accumulated).
#define SELECT_B8(isfx, I)                                                                                                      \
    extern "C" __global__ void index_select_b8_##isfx(i64 outer, i64 size, i64 k, i64 inner, const b8* x, const I* idx,         \
                                                      b8* out, int* err) {                                                     \
        index_select_impl<b8, I>(outer, size, k, inner, x, idx, out, err);                                                     \
    }                                                                                                                          \
    extern "C" __global__ void gather_b8_##isfx(i64 n, const b8* x, Layout lx, const I* index, Layout li, b8* out, int dim,     \
                                                int* err) {                                                                    \
        gather_impl<b8, I>(n, x, lx, index, li, out, dim, err);                                                                \
    }
SELECT_B8(i64, i64) SELECT_B8(i32, int)

// Checks every index against [0, bound) before an operation that writes in place, so a bad
// index raises an error before anything is modified.
template <typename I> __device__ void check_index_impl(i64 n, const I* idx, Layout li, i64 bound, int* err) {
    FOR_N(i, n) {
        i64 t = (i64)idx[offset_of(li, i)];
        if (t < 0 || t >= bound) report_error(err, 1, t, bound, i);
    }
}
extern "C" __global__ void check_index_i64(i64 n, const i64* idx, Layout li, i64 bound, int* err) { check_index_impl<i64>(n, idx, li, bound, err); }
extern "C" __global__ void check_index_i32(i64 n, const int* idx, Layout li, i64 bound, int* err) { check_index_impl<int>(n, idx, li, bound, err); }
