// Runs CUDA kernel sources on the CPU, for tests: compiled as host C++ (g++ -std=c++20) before
// a kernel source, it supplies what the device compiler would (qualifiers, thread and block
// indices, barriers, warp shuffles, atomics, bit casts, rounding intrinsics) and launch(), which
// runs the grid one block at a time, each CUDA thread a fiber (its own stack, switched only at
// barriers and shuffles, so a run is deterministic). A barrier waits for every live thread of the
// block (of the warp, for a shuffle): a barrier that some threads skip while others wait is
// reported as a deadlock, and block-shared memory starts as garbage. What it cannot see: races
// between barriers (fibers never interleave there), the GPU's memory model and warp timing, the
// GPU's math library (the host's libm instead) and the 16-bit conversions (inline PTX, left out).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <math.h>
#include <setjmp.h>
#include <ucontext.h>
#include <tuple>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// block-shared arrays become function statics: one copy, shared by the threads of the one block running
#define __shared__ static
// the 16-bit conversions are inline PTX; host runs cover F32 and F64 only
#define asm(...) ((void)0)

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline dim3 gridDim, blockIdx, blockDim;
inline dim3 threadIdx;

// A barrier among fibers: the last live member to arrive opens the next phase.
struct HostBarrier {
    unsigned expected = 0, arrived = 0, phase = 0;
    void arrive() {
        if (++arrived == expected) {
            arrived = 0;
            ++phase;
        }
    }
    void drop() {  // a member finished the kernel: it no longer holds the others back
        --expected;
        if (expected > 0 && arrived == expected) {
            arrived = 0;
            ++phase;
        }
    }
};

// A fiber starts through its ucontext and switches with _setjmp/_longjmp afterwards (no system
// call per switch, unlike swapcontext).
struct HostFiber {
    ucontext_t context;
    jmp_buf resume;
    std::vector<unsigned char> stack;
    bool started = false, done = false;
};

struct HostBlock {
    HostBarrier block;
    std::vector<HostBarrier> warps;
    std::vector<std::vector<uint64_t>> lanes;  // one exchange slot per lane, per warp
    std::vector<unsigned char> shared;         // dynamic shared memory
    std::vector<HostFiber> fibers;
    jmp_buf scheduler;
    unsigned current = 0;
};
inline HostBlock host_block;

inline unsigned char* host_dynamic_shared() { return host_block.shared.data(); }

inline void host_yield() {
    if (!_setjmp(host_block.fibers[host_block.current].resume)) _longjmp(host_block.scheduler, 1);
}

inline void host_wait(HostBarrier& b) {
    unsigned p = b.phase;
    b.arrive();
    while (b.phase == p) host_yield();
}

inline void __syncthreads() { host_wait(host_block.block); }
inline void __syncwarp(unsigned = 0xffffffffu) { host_wait(host_block.warps[threadIdx.x / 32]); }

template <typename T> T host_shuffle(T v, int src) {
    unsigned w = threadIdx.x / 32, lane = threadIdx.x % 32;
    static_assert(sizeof(T) <= 8, "shuffle of a value wider than 8 bytes");
    auto& slots = host_block.lanes[w];
    host_wait(host_block.warps[w]);  // the previous exchange has been read
    std::memcpy(&slots[lane], &v, sizeof(T));
    host_wait(host_block.warps[w]);  // every lane has written
    T r;
    std::memcpy(&r, &slots[src & 31], sizeof(T));
    return r;
}
template <typename T> T __shfl_xor_sync(unsigned, T v, int m, int = 32) { return host_shuffle(v, (threadIdx.x % 32) ^ m); }
template <typename T> T __shfl_sync(unsigned, T v, int src, int = 32) { return host_shuffle(v, src); }
template <typename T> T __shfl_down_sync(unsigned, T v, unsigned d, int = 32) {
    unsigned lane = threadIdx.x % 32;
    return host_shuffle(v, lane + d < 32 ? lane + d : lane);
}

// Fibers switch only at barriers, so read-modify-write needs no lock.
template <typename T> T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}
template <typename T> T atomicCAS(T* p, T cmp, T v) {
    T old = *p;
    if (old == cmp) *p = v;
    return old;
}
template <typename T> T atomicMax(T* p, T v) {
    T old = *p;
    if (v > old) *p = v;
    return old;
}

inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline int __float_as_int(float f) { int u; std::memcpy(&u, &f, 4); return u; }
inline double __longlong_as_double(long long u) { double d; std::memcpy(&d, &u, 8); return d; }
inline long long __double_as_longlong(double d) { long long u; std::memcpy(&u, &d, 8); return u; }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }

inline void (*host_body)() = nullptr;
inline void host_fiber_main() {
    HostBlock& hb = host_block;
    unsigned t = hb.current;
    threadIdx = dim3{t, 0, 0};
    host_body();
    hb.fibers[t].done = true;
    hb.warps[t / 32].drop();
    hb.block.drop();
    _longjmp(hb.scheduler, 1);
}

// Runs kernel(args...) over the grid, one block at a time, blockDim.x fibers a block. Exits with
// status 3 when the live threads of a block all wait at barriers that can never open.
template <typename... P, typename... A>
void launch(void (*kernel)(P...), dim3 grid, unsigned threads, size_t dynamicShared, A... args) {
    static void (*k)(P...);
    static std::tuple<A...> packed;
    k = kernel;
    packed = std::tuple<A...>(args...);
    host_body = [] { std::apply([](auto... a) { k(a...); }, packed); };
    gridDim = grid;
    blockDim = dim3{threads, 1, 1};
    HostBlock& hb = host_block;
    for (unsigned by = 0; by < grid.y; ++by) {
        for (unsigned bx = 0; bx < grid.x; ++bx) {
            blockIdx = dim3{bx, by, 0};
            hb.block = HostBarrier{threads};
            hb.warps.assign((threads + 31) / 32, HostBarrier{});
            hb.lanes.assign((threads + 31) / 32, std::vector<uint64_t>(32));
            for (unsigned w = 0; w < hb.warps.size(); ++w) hb.warps[w].expected = threads - w * 32 < 32 ? threads - w * 32 : 32;
            hb.shared.assign(dynamicShared, 0xff);  // garbage, as on the GPU
            hb.fibers.resize(threads);
            for (unsigned t = 0; t < threads; ++t) {
                HostFiber& f = hb.fibers[t];
                f.done = false;
                f.started = false;
                f.stack.resize(64 * 1024);
                getcontext(&f.context);
                f.context.uc_stack.ss_sp = f.stack.data();
                f.context.uc_stack.ss_size = f.stack.size();
                f.context.uc_link = nullptr;
                makecontext(&f.context, host_fiber_main, 0);
            }
            // round robin until every fiber has finished; a round in which no barrier opened and
            // no fiber finished, with fibers left, is a deadlock
            unsigned left = threads;
            while (left > 0) {
                unsigned long long before = hb.block.phase;
                for (auto& w : hb.warps) before = before * 1000003ull + w.phase;
                unsigned finished = 0;
                for (unsigned t = 0; t < threads; ++t) {
                    if (hb.fibers[t].done) continue;
                    hb.current = t;
                    threadIdx = dim3{t, 0, 0};  // one OS thread runs every fiber
                    HostFiber& f = hb.fibers[t];
                    if (!_setjmp(hb.scheduler)) {
                        if (!f.started) {
                            f.started = true;
                            setcontext(&f.context);
                        }
                        _longjmp(f.resume, 1);
                    }
                    if (hb.fibers[t].done) ++finished;
                }
                left -= finished;
                unsigned long long after = hb.block.phase;
                for (auto& w : hb.warps) after = after * 1000003ull + w.phase;
                if (left > 0 && finished == 0 && after == before) {
                    std::fprintf(stderr, "deadlock in block (%u, %u): %u threads wait at a barrier the others never reach\n", bx, by, left);
                    std::exit(3);
                }
            }
        }
    }
}

// Binary files of the test's inputs and outputs.
template <typename T> std::vector<T> read_file(const char* path) {
    std::FILE* f = std::fopen(path, "rb");
    if (!f) { std::perror(path); std::exit(2); }
    std::vector<T> v;
    T x;
    while (std::fread(&x, sizeof(T), 1, f) == 1) v.push_back(x);
    std::fclose(f);
    return v;
}
template <typename T> void write_file(const char* path, const std::vector<T>& v) {
    std::FILE* f = std::fopen(path, "wb");
    if (!f) { std::perror(path); std::exit(2); }
    std::fwrite(v.data(), sizeof(T), v.size(), f);
    std::fclose(f);
}
