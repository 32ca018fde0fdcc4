// Host driver of reduce.cu for KernelsOnTheHostTest: a contiguous (nOut, nRed) matrix from
// argv[3]'s folder (meta: nOut, nRed, op, wholeBlock, rowsPerChunk) reduced along its rows by
// reduce_warp or reduce_block (value and, for ARGMAX/ARGMIN, index), and summed along its columns
// by the two column kernels. Launch shapes are the backend's (CudaBackend, CudaDevice.launch1d).
#include "cuda_host.h"
#include "reduce.cu"
#include <string>

static std::string dir;
static const char* at(const char* name) {
    static std::string s;
    s = dir + "/" + name;
    return s.c_str();
}

static Layout layout(i64 size, i64 stride, bool contiguous) {
    Layout l;
    std::memset(&l, 0, sizeof l);
    l.rank = 1;
    l.contiguous = contiguous ? 1 : 0;
    l.size[0] = size;
    l.stride[0] = stride;
    return l;
}

template <typename T, typename W, typename B, typename P, typename F> int run(W warp, B block, P partial, F final_) {
    typedef typename AccT<T>::A A;
    std::vector<long long> m = read_file<long long>(at("meta"));
    i64 nOut = m[0], nRed = m[1], perChunk = m[4];
    int op = (int)m[2];
    bool wholeBlock = m[3] != 0;
    std::vector<T> x = read_file<T>(at("x")), out(nOut), cols(nRed);
    std::vector<i64> arg(nOut, -7);
    bool isArg = op == ARGMAX || op == ARGMIN;
    Layout kept = layout(nOut, nRed, false), red = layout(nRed, 1, true), lo = layout(nOut, 1, true);
    if (wholeBlock) {
        launch(block, dim3{(unsigned)nOut}, 512, 0, op, nOut, x.data(), kept, red, nRed, isArg ? nullptr : out.data(), lo,
               isArg ? arg.data() : nullptr);
    } else {
        launch(warp, dim3{(unsigned)((nOut + 7) / 8)}, 256, 0, op, nOut, x.data(), kept, red, nRed, isArg ? nullptr : out.data(), lo,
               isArg ? arg.data() : nullptr);
    }
    // column sums of the same matrix, seen as nOut rows of nRed columns
    i64 chunks = (nOut + perChunk - 1) / perChunk;
    std::vector<A> part(chunks * nRed);
    launch(partial, dim3{(unsigned)((nRed + 255) / 256), (unsigned)chunks}, 256, 0, x.data(), nOut, nRed, perChunk, part.data());
    launch(final_, dim3{(unsigned)((nRed + 255) / 256)}, 256, 0, part.data(), chunks, nRed, cols.data(), layout(nRed, 1, true));
    write_file(at("out"), out);
    write_file(at("arg"), arg);
    write_file(at("cols"), cols);
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: reduce_driver f32|f64 folder\n");
        return 2;
    }
    dir = argv[2];
    return std::string(argv[1]) == "f64" ? run<double>(reduce_warp_f64, reduce_block_f64, colsum_partial_f64, colsum_final_f64)
                                         : run<float>(reduce_warp_f32, reduce_block_f32, colsum_partial_f32, colsum_final_f32);
}
