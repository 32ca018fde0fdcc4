// Host driver of attention.cu for KernelsOnTheHostTest: forward, then the backward's three kernels
// (delta, dK/dV, dQ) on contiguous (B, H, T, D) inputs from argv[3]'s folder (meta: b, h, t, s, d,
// the lane width DL and the three dynamic shared-memory sizes the backend computes; dmeta: scale).
// Launch shapes are the backend's (CudaFused).
#include "cuda_host.h"
#include "attention.cu"
#include <string>

static std::string dir;
static const char* at(const char* name) {
    static std::string s;
    s = dir + "/" + name;
    return s.c_str();
}

template <typename T, typename Fwd, typename Dkdv, typename Dq, typename Delta>
int run(const Fwd* fwd, const Dkdv* dkdv, const Dq* dq, Delta delta) {
    typedef typename AttnAcc<T>::A A;
    std::vector<long long> m = read_file<long long>(at("meta"));
    double scale = read_file<double>(at("dmeta"))[0];
    int b = (int)m[0], h = (int)m[1], t = (int)m[2], s = (int)m[3], d = (int)m[4], dl = (int)m[5];
    int which = dl / 8 - 1;
    if (dl % 8 != 0 || which < 0 || which > 3) {
        std::fprintf(stderr, "no kernel for DL=%d\n", dl);
        return 2;
    }
    std::vector<T> q = read_file<T>(at("q")), k = read_file<T>(at("k")), v = read_file<T>(at("v")), gy = read_file<T>(at("gy"));
    std::vector<T> out((size_t)b * h * t * d), gq(q.size()), gk(k.size()), gv(v.size());
    std::vector<A> lse((size_t)b * h * t), dlt((size_t)b * h * t);
    Strides4 st{(i64)h * t * d, (i64)t * d, d}, ss{(i64)h * s * d, (i64)s * d, d};
    unsigned bh = (unsigned)(b * h);
    launch(fwd[which], dim3{(unsigned)((t + 31) / 32), bh}, 128, (size_t)m[6], q.data(), st, k.data(), ss, v.data(), ss, out.data(), st,
           lse.data(), h, t, s, d, scale);
    long long warps = (long long)b * h * t;
    launch(delta, dim3{(unsigned)((warps * 32 + 255) / 256)}, 256, 0, out.data(), st, gy.data(), st, dlt.data(), h, t, d, b * h);
    launch(dkdv[which], dim3{(unsigned)((s + 31) / 32), bh}, 128, (size_t)m[7], q.data(), st, k.data(), ss, v.data(), ss, gy.data(), st,
           lse.data(), dlt.data(), gk.data(), ss, gv.data(), ss, h, t, s, d, scale);
    launch(dq[which], dim3{(unsigned)((t + 31) / 32), bh}, 128, (size_t)m[8], q.data(), st, k.data(), ss, v.data(), ss, gy.data(), st,
           lse.data(), dlt.data(), gq.data(), st, h, t, s, d, scale);
    write_file(at("out"), out);
    write_file(at("lse"), lse);
    write_file(at("gq"), gq);
    write_file(at("gk"), gk);
    write_file(at("gv"), gv);
    return 0;
}

#define TABLES(sfx)                                                                                                        \
    static decltype(&attention_forward_##sfx##_8) fwd_##sfx[] = {attention_forward_##sfx##_8, attention_forward_##sfx##_16,   \
                                                                 attention_forward_##sfx##_24, attention_forward_##sfx##_32}; \
    static decltype(&attention_dkdv_##sfx##_8) dkdv_##sfx[] = {attention_dkdv_##sfx##_8, attention_dkdv_##sfx##_16,           \
                                                               attention_dkdv_##sfx##_24, attention_dkdv_##sfx##_32};         \
    static decltype(&attention_dq_##sfx##_8) dq_##sfx[] = {attention_dq_##sfx##_8, attention_dq_##sfx##_16,                   \
                                                           attention_dq_##sfx##_24, attention_dq_##sfx##_32};
TABLES(f32)
TABLES(f64)

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: attention_driver f32|f64 folder\n");
        return 2;
    }
    dir = argv[2];
    return std::string(argv[1]) == "f64" ? run<double>(fwd_f64, dkdv_f64, dq_f64, attention_delta_f64)
                                         : run<float>(fwd_f32, dkdv_f32, dq_f32, attention_delta_f32);
}
