// Fused row kernels over contiguous rows (one block per row): softmax and log-softmax with their
// gradients, layer normalisation with its gradients, the fused margin-softmax cross-entropy of
// face classification, and the fused AdamW step. Statistics are kept in float (double for F64).
#include "common.cuh"

template <typename T> struct StatT { typedef float A; };
template <> struct StatT<double> { typedef double A; };

template <typename T>
__device__ void softmax_impl(const T* x, T* y, i64 cols, int logMode) {
    typedef typename StatT<T>::A A;
    __shared__ A scratch[32];
    const T* xr = x + (i64)blockIdx.x * cols;
    T* yr = y + (i64)blockIdx.x * cols;
    A mx = -m_inf<A>();
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) mx = fmax(mx, (A)Num<T>::load(xr[j]));
    mx = block_max(mx, scratch);
    A s = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += m_exp((A)Num<T>::load(xr[j]) - mx);
    s = block_sum(s, scratch);
    if (logMode) {
        // (x - max) - log s, not x - (max + log s): with logits in the hundreds, log s would round
        // away in the float sum max + log s (the CPU kernel does the same).
        A ls = m_log(s);
        for (i64 j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = Num<T>::store(((A)Num<T>::load(xr[j]) - mx) - ls);
    } else {
        A inv = (A)1 / s;
        for (i64 j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = Num<T>::store(m_exp((A)Num<T>::load(xr[j]) - mx) * inv);
    }
}

template <typename T>
__device__ void softmax_backward_impl(const T* y, const T* gy, T* gx, i64 cols, int logMode) {
    typedef typename StatT<T>::A A;
    __shared__ A scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    A s = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A g = Num<T>::load(gy[o + j]);
        s += logMode ? g : g * (A)Num<T>::load(y[o + j]);
    }
    s = block_sum(s, scratch);
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A g = Num<T>::load(gy[o + j]);
        A yv = Num<T>::load(y[o + j]);
        gx[o + j] = Num<T>::store(logMode ? g - m_exp(yv) * s : yv * (g - s));
    }
}

template <typename T>
__device__ void layer_norm_impl(const T* x, const T* w, const T* b, double eps, T* y, typename StatT<T>::A* mean,
                                typename StatT<T>::A* rstd, i64 cols) {
    typedef typename StatT<T>::A A;
    __shared__ A scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    A s = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += (A)Num<T>::load(x[o + j]);
    A mu = block_sum(s, scratch) / (A)cols;
    A q = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A d = (A)Num<T>::load(x[o + j]) - mu;
        q += d * d;
    }
    A var = block_sum(q, scratch) / (A)cols;
    A r = (A)1 / m_sqrt(var + (A)eps);
    if (threadIdx.x == 0) {
        mean[blockIdx.x] = mu;
        rstd[blockIdx.x] = r;
    }
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A v = ((A)Num<T>::load(x[o + j]) - mu) * r;
        if (w) v *= (A)Num<T>::load(w[j]);
        if (b) v += (A)Num<T>::load(b[j]);
        y[o + j] = Num<T>::store(v);
    }
}

// gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * w.
template <typename T>
__device__ void layer_norm_backward_impl(const T* x, const T* w, const typename StatT<T>::A* mean, const typename StatT<T>::A* rstd,
                                         const T* gy, T* gx, i64 cols) {
    typedef typename StatT<T>::A A;
    __shared__ A scratch[32];
    i64 o = (i64)blockIdx.x * cols;
    A mu = mean[blockIdx.x], r = rstd[blockIdx.x];
    A s1 = 0, s2 = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A g = Num<T>::load(gy[o + j]);
        if (w) g *= (A)Num<T>::load(w[j]);
        A xh = ((A)Num<T>::load(x[o + j]) - mu) * r;
        s1 += g;
        s2 += g * xh;
    }
    s1 = block_sum(s1, scratch) / (A)cols;
    s2 = block_sum(s2, scratch) / (A)cols;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        A g = Num<T>::load(gy[o + j]);
        if (w) g *= (A)Num<T>::load(w[j]);
        A xh = ((A)Num<T>::load(x[o + j]) - mu) * r;
        gx[o + j] = Num<T>::store(r * (g - s1 - xh * s2));
    }
}

// Weight and bias gradients: per chunk of rows, per column (coalesced), then chunks are added.
template <typename T>
__device__ void layer_norm_params_partial_impl(const T* x, const typename StatT<T>::A* mean, const typename StatT<T>::A* rstd,
                                               const T* gy, i64 rows, i64 cols, i64 rowsPerChunk, typename StatT<T>::A* pgw,
                                               typename StatT<T>::A* pgb) {
    typedef typename StatT<T>::A A;
    i64 c = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    i64 r0 = (i64)blockIdx.y * rowsPerChunk;
    i64 r1 = r0 + rowsPerChunk < rows ? r0 + rowsPerChunk : rows;
    A sw = 0, sb = 0;
    for (i64 r = r0; r < r1; ++r) {
        A g = Num<T>::load(gy[r * cols + c]);
        sw += g * ((A)Num<T>::load(x[r * cols + c]) - mean[r]) * rstd[r];
        sb += g;
    }
    pgw[(i64)blockIdx.y * cols + c] = sw;
    pgb[(i64)blockIdx.y * cols + c] = sb;
}

template <typename T>
__device__ void sum_chunks_impl(const typename StatT<T>::A* partial, i64 chunks, i64 cols, T* out) {
    typedef typename StatT<T>::A A;
    FOR_N(c, cols) {
        A s = 0;
        for (i64 k = 0; k < chunks; ++k) s += partial[k * cols + c];
        out[c] = Num<T>::store(s);
    }
}

// ---- margin softmax cross-entropy ---------------------------------------------------------------
// Per row: z_j = s*clamp(c_j), the target z_y = s*(cos(m1*acos(c_y) + m2) - m3) (hard fallback
// when asked and m1*theta + m2 > pi); loss = logsumexp(z) - z_y; grad = scale * dloss/dc, zero
// where |c| > 1, with the target's derivative s*t' (t' = 1 straight-through, or exact).
#define MARGIN_EPS 1e-7
#define PI_D 3.14159265358979323846

__device__ void margin_target(double c, double m1, double m2, double m3, int exact, int hardFallback, double* value, double* deriv) {
    if (m1 == 1.0 && m2 == 0.0) {
        *value = c - m3;
        *deriv = 1.0;
        return;
    }
    double theta = acos(c);
    if (hardFallback && m1 * theta + m2 > PI_D) {
        double mm = m1 == 1.0 ? sin(PI_D - m2) * m2 : 1 + cos((PI_D - m2) / m1);
        *value = c - mm - m3;
        *deriv = 1.0;
        return;
    }
    *value = cos(m1 * theta + m2) - m3;
    double cc = fmin(fmax(c, -1 + MARGIN_EPS), 1 - MARGIN_EPS);
    *deriv = exact ? sin(m1 * acos(cc) + m2) * m1 / sqrt(1 - cc * cc) : 1.0;
}

template <typename T>
__device__ void margin_ce_impl(const T* cos, const i64* labels, i64 cols, double s, double m1, double m2, double m3, int exact,
                               int hardFallback, double scale, T* loss, T* grad, int* err) {
    typedef typename StatT<T>::A A;
    __shared__ A scratch[32];
    __shared__ double sd[32];
    i64 row = blockIdx.x;
    const T* c = cos + row * cols;
    i64 y = labels[row];
    if (y < -1 || y >= cols) {
        if (threadIdx.x == 0) report_error(err, 1, y, cols, row);
        return;
    }
    double tv = 0, td = 1;
    if (y >= 0) margin_target(fmin(fmax((double)Num<T>::load(c[y]), -1.0), 1.0), m1, m2, m3, exact, hardFallback, &tv, &td);
    // the shift is the largest of the negatives and the margined target (never the raw target);
    // the target's term is added apart, in double, and the loss and the target's gradient come
    // from the negatives' share, so a confident row keeps its small loss (see MarginKernels.java)
    A sa = (A)s;
    double zy = s * tv;
    A mx = y >= 0 ? (A)zy : -m_inf<A>();
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        if (j == y) continue;
        A v = (A)Num<T>::load(c[j]);
        v = v < (A)-1 ? (A)-1 : (v > (A)1 ? (A)1 : v);
        mx = fmax(mx, sa * v);
    }
    mx = block_max(mx, scratch);
    A part = 0;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
        if (j == y) continue;
        A v = (A)Num<T>::load(c[j]);
        v = v < (A)-1 ? (A)-1 : (v > (A)1 ? (A)1 : v);
        part += m_exp(fma(sa, v, -mx));
    }
    double negatives = block_sum((double)part, sd);
    double target = y >= 0 ? exp(zy - (double)mx) : 0.0;
    double total = negatives + target;
    if (grad) {
        A ss = (A)(s * scale / total);
        __syncthreads();
        for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
            A raw = (A)Num<T>::load(c[j]);
            A g;
            if (raw < (A)-1 || raw > (A)1) {
                g = 0;
            } else if (j == y) {
                g = (A)(-scale * (negatives / total) * s * td);
            } else {
                g = m_exp(fma(sa, raw, -mx)) * ss;
            }
            grad[row * cols + j] = Num<T>::store(g);
        }
    }
    if (threadIdx.x == 0) {
        double l = 0.0;
        if (y >= 0) l = target > 0 ? log1p(negatives / target) : (double)mx + log(total) - zy;
        loss[row] = Num<T>::from_d(l);
    }
}

// ---- AdamW (torch.optim.AdamW, decoupled weight decay) --------------------------------------------
template <typename T>
__device__ void adamw_impl(i64 n, T* p, const T* g, T* m, T* v, double lr, double b1, double b2, double eps, double wd, double stepSize,
                           double invBc2) {
    typedef typename StatT<T>::A A;
    A decay = (A)(1 - lr * wd), fb1 = (A)b1, fb2 = (A)b2, c1 = (A)(1 - b1), c2 = (A)(1 - b2), ss = (A)stepSize, ib = (A)invBc2,
      fe = (A)eps;
    FOR_N(i, n) {
        A gv = Num<T>::load(g[i]);
        A mn = fb1 * (A)Num<T>::load(m[i]) + c1 * gv;
        A vn = fb2 * (A)Num<T>::load(v[i]) + c2 * gv * gv;
        A pv = (A)Num<T>::load(p[i]) * decay;
        pv -= ss * mn / (m_sqrt(vn) * ib + fe);
        m[i] = Num<T>::store(mn);
        v[i] = Num<T>::store(vn);
        p[i] = Num<T>::store(pv);
    }
}

#define ROWS(sfx, T)                                                                                                            \
    extern "C" __global__ void softmax_##sfx(const T* x, T* y, i64 cols, int logMode) { softmax_impl<T>(x, y, cols, logMode); } \
    extern "C" __global__ void softmax_backward_##sfx(const T* y, const T* gy, T* gx, i64 cols, int logMode) {                 \
        softmax_backward_impl<T>(y, gy, gx, cols, logMode);                                                                    \
    }                                                                                                                          \
    extern "C" __global__ void layer_norm_##sfx(const T* x, const T* w, const T* b, double eps, T* y, StatT<T>::A* mean,       \
                                                StatT<T>::A* rstd, i64 cols) {                                                 \
        layer_norm_impl<T>(x, w, b, eps, y, mean, rstd, cols);                                                                 \
    }                                                                                                                          \
    extern "C" __global__ void layer_norm_backward_##sfx(const T* x, const T* w, const StatT<T>::A* mean,                       \
                                                         const StatT<T>::A* rstd, const T* gy, T* gx, i64 cols) {              \
        layer_norm_backward_impl<T>(x, w, mean, rstd, gy, gx, cols);                                                           \
    }                                                                                                                          \
    extern "C" __global__ void layer_norm_params_partial_##sfx(const T* x, const StatT<T>::A* mean, const StatT<T>::A* rstd,    \
                                                               const T* gy, i64 rows, i64 cols, i64 rowsPerChunk,            \
                                                               StatT<T>::A* pgw, StatT<T>::A* pgb) {                         \
        layer_norm_params_partial_impl<T>(x, mean, rstd, gy, rows, cols, rowsPerChunk, pgw, pgb);                             \
    }                                                                                                                          \
    extern "C" __global__ void sum_chunks_##sfx(const StatT<T>::A* partial, i64 chunks, i64 cols, T* out) {                   \
        sum_chunks_impl<T>(partial, chunks, cols, out);                                                                        \
    }                                                                                                                          \
    extern "C" __global__ void margin_ce_##sfx(const T* cos, const i64* labels, i64 cols, double s, double m1, double m2,      \
                                               double m3, int exact, int hardFallback, double scale, T* loss, T* grad,         \
                                               int* err) {                                                                     \
        margin_ce_impl<T>(cos, labels, cols, s, m1, m2, m3, exact, hardFallback, scale, loss, grad, err);                     \
    }                                                                                                                          \
    extern "C" __global__ void adamw_##sfx(i64 n, T* p, const T* g, T* m, T* v, double lr, double b1, double b2, double eps,   \
                                           double wd, double stepSize, double invBc2) {                                        \
        adamw_impl<T>(n, p, g, m, v, lr, b1, b2, eps, wd, stepSize, invBc2);                                                   \
    }
FOR_FLOAT_TYPES(ROWS)
