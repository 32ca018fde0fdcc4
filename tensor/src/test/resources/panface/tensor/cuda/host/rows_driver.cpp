// Host driver of rows.cu for KernelsOnTheHostTest: argv[1] names the kernel group and dtype,
// argv[2] the folder with the inputs (meta: i64 sizes and flags, dmeta: f64 scalars, arrays in
// the dtype) and for the outputs. Launch shapes are the backend's (CudaFused).
#include "cuda_host.h"
#include "rows.cu"
#include <string>

static std::string dir;
static const char* at(const char* name) {
    static std::string s;
    s = dir + "/" + name;
    return s.c_str();
}

template <typename T, typename F> int run(const std::string& what, F kernels) {
    typedef typename StatT<T>::A A;
    std::vector<long long> meta = read_file<long long>(at("meta"));
    std::vector<double> dmeta = read_file<double>(at("dmeta"));
    i64 rows = meta[0], cols = meta[1];
    unsigned threads = (unsigned)meta[2];
    if (what == "softmax") {
        std::vector<T> x = read_file<T>(at("x")), gy = read_file<T>(at("gy")), y(rows * cols), gx(rows * cols);
        int logMode = (int)meta[3];
        launch(kernels.softmax, dim3{(unsigned)rows}, threads, 0, x.data(), y.data(), cols, logMode);
        launch(kernels.softmax_backward, dim3{(unsigned)rows}, threads, 0, y.data(), gy.data(), gx.data(), cols, logMode);
        write_file(at("y"), y);
        write_file(at("gx"), gx);
    } else if (what == "layer_norm") {
        std::vector<T> x = read_file<T>(at("x")), w = read_file<T>(at("w")), b = read_file<T>(at("b")), gy = read_file<T>(at("gy"));
        std::vector<T> y(rows * cols), gx(rows * cols), gw(cols), gb(cols);
        std::vector<A> mean(rows), rstd(rows);
        launch(kernels.layer_norm, dim3{(unsigned)rows}, threads, 0, x.data(), w.data(), b.data(), dmeta[0], y.data(), mean.data(),
               rstd.data(), cols);
        launch(kernels.layer_norm_backward, dim3{(unsigned)rows}, threads, 0, x.data(), w.data(), mean.data(), rstd.data(), gy.data(),
               gx.data(), cols);
        i64 perChunk = meta[3], chunks = (rows + perChunk - 1) / perChunk;
        std::vector<A> pw(chunks * cols), pb(chunks * cols);
        launch(kernels.params_partial, dim3{(unsigned)((cols + 255) / 256), (unsigned)chunks}, 256, 0, x.data(), mean.data(), rstd.data(),
               gy.data(), rows, cols, perChunk, pw.data(), pb.data());
        launch(kernels.sum_chunks, dim3{(unsigned)((cols + 255) / 256)}, 256, 0, pw.data(), chunks, cols, gw.data());
        launch(kernels.sum_chunks, dim3{(unsigned)((cols + 255) / 256)}, 256, 0, pb.data(), chunks, cols, gb.data());
        write_file(at("y"), y);
        write_file(at("mean"), mean);
        write_file(at("rstd"), rstd);
        write_file(at("gx"), gx);
        write_file(at("gw"), gw);
        write_file(at("gb"), gb);
    } else if (what == "margin_ce") {
        std::vector<T> c = read_file<T>(at("cos")), loss(rows), grad(rows * cols);
        std::vector<i64> labels = read_file<i64>(at("labels"));
        std::vector<int> err(8, 0);
        launch(kernels.margin_ce, dim3{(unsigned)rows}, threads, 0, c.data(), labels.data(), cols, dmeta[0], dmeta[1], dmeta[2], dmeta[3],
               (int)meta[3], (int)meta[4], dmeta[4], loss.data(), grad.data(), err.data());
        write_file(at("loss"), loss);
        write_file(at("grad"), grad);
        write_file(at("err"), err);
    } else {
        std::fprintf(stderr, "unknown kernel group %s\n", what.c_str());
        return 2;
    }
    return 0;
}

#define KERNELS(sfx, T)                                                                                                  \
    struct Kernels_##sfx {                                                                                               \
        decltype(&softmax_##sfx) softmax = softmax_##sfx;                                                                \
        decltype(&softmax_backward_##sfx) softmax_backward = softmax_backward_##sfx;                                     \
        decltype(&layer_norm_##sfx) layer_norm = layer_norm_##sfx;                                                       \
        decltype(&layer_norm_backward_##sfx) layer_norm_backward = layer_norm_backward_##sfx;                            \
        decltype(&layer_norm_params_partial_##sfx) params_partial = layer_norm_params_partial_##sfx;                     \
        decltype(&sum_chunks_##sfx) sum_chunks = sum_chunks_##sfx;                                                       \
        decltype(&margin_ce_##sfx) margin_ce = margin_ce_##sfx;                                                          \
    };
KERNELS(f32, float)
KERNELS(f64, double)

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: rows_driver softmax|layer_norm|margin_ce f32|f64 folder\n");
        return 2;
    }
    dir = argv[3];
    std::string t = argv[2];
    return t == "f64" ? run<double>(argv[1], Kernels_f64{}) : run<float>(argv[1], Kernels_f32{});
}
