package panface.tensor.cpu.conv;

import java.util.Arrays;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.CacheSize;
import panface.tensor.cpu.runtime.NativeScratch;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Float convolution as GEMM (see {@link ConvShape} for when): per image and group, output (og,
 * ho*wo) = weight (og, kg) x columns (kg, ho*wo), the columns unfolded a cache-sized tile at a
 * time ({@link ConvTiles}) or, for a pointwise convolution, read in place. Work is split over
 * images, groups and tiles, and, when those are fewer than the threads (batch 1), over output
 * channels as well; each product is one single-threaded BLAS call on a thread of the pool. The
 * backward passes split over input channels, so that each thread owns the gradient it writes (no
 * reduction, the same sums in the same order at any thread count for a given split).
 */
final class ConvGemm {
    /** The fewest output rows a thread's share of a product gets when output channels are split. */
    private static final int MIN_ROWS = 16;

    private ConvGemm() {
    }

    /** y (n, o, ho, wo) at yo = conv(x at xo, weight at wo) with f's parts fused. */
    static void forward(float[] x, int xo, float[] wt, int wOff, float[] y, int yo, ConvShape s, ConvFused f) {
        boolean inPlace = s.pointwise() && (f == null || !f.hasPrologue());
        int l = s.l();
        int og = s.og();
        int kg = s.kg();
        int lt = s.tileColumns(inPlace ? og : kg + og);
        int tiles = (l + lt - 1) / lt;
        int base = s.n() * s.groups() * tiles;
        int threads = Parallel.threads();
        int oParts = base >= threads ? 1 : Math.max(1, Math.min((threads + base - 1) / base, og / MIN_ROWS));
        Parallel.forRange(base * oParts, 1, (lo, hi) -> {
            float[] buf = inPlace ? null : ConvTiles.scratch(kg * lt);
            for (int u = lo; u < hi; u++) {
                int op = u % oParts;
                int t = u / oParts % tiles;
                int ng = u / oParts / tiles;
                int g = ng % s.groups();
                int n = ng / s.groups();
                int o0 = Gemm.bound(og, oParts, op, 4);
                int o1 = Gemm.bound(og, oParts, op + 1, 4);
                int t0 = t * lt;
                int t1 = Math.min(l, t0 + lt);
                int cols = t1 - t0;
                int xImg = xo + (n * s.c() + g * s.cg()) * s.hw();
                int yAt = yo + (n * s.o() + g * og + o0) * l + t0;
                if (o1 <= o0) {
                    continue;
                }
                if (inPlace) {
                    Gemm.sgemm(false, false, o1 - o0, cols, kg, 1f, wt, wOff + (g * og + o0) * kg, kg, x, xImg + t0, l, 0f, y, yAt, l);
                } else {
                    ConvTiles.im2col(x, xImg, s, g * s.cg(), s.cg(), t0, t1, buf, f);
                    Gemm.sgemm(false, false, o1 - o0, cols, kg, 1f, wt, wOff + (g * og + o0) * kg, kg, buf, 0, cols, 0f, y, yAt, l);
                }
                if (f != null) {
                    f.rows(y, yAt, l, g * og + o0, g * og + o1, cols);
                }
            }
        });
    }

    /**
     * As {@link #forward} with the weight packed once ({@link ConvPackedWeight}): per image, group
     * and block of output positions, each depth block of the unfolded input (read in place for a
     * pointwise convolution) is packed and multiplied by the packed weight, the product written
     * straight into the output's planes. Blocks of positions are as wide as lets a depth block of
     * the unfolded input and its packed copy share the core's second-level cache with room to
     * spare; at batch 1 the threads take different blocks of positions where there are enough,
     * else different output channels of the same block.
     */
    static void forwardPacked(float[] x, int xo, ConvPackedWeight pw, float[] y, int yo, ConvShape s, ConvFused f) {
        boolean inPlace = s.pointwise() && (f == null || !f.hasPrologue());
        int l = s.l();
        int og = s.og();
        int kk = s.kk();
        int unroll = ConvProduct.kernels().unrollM();
        int depth = ConvProduct.maxBlock(pw);
        int widest = (int) Math.max(4L * unroll, 3L * CacheSize.l2Bytes() / (32L * depth) / unroll * unroll);
        int tiles = (l + widest - 1) / widest;
        int base = s.n() * s.groups() * tiles;
        int threads = Parallel.threads();
        int oParts = base >= threads ? 1 : Math.max(1, Math.min((threads + base - 1) / base, og / MIN_ROWS));
        int most = widest + unroll;
        Parallel.forRange(base * oParts, 1, (lo, hi) -> {
            float[] buf = inPlace ? null : ConvTiles.scratch(depth * most);
            NativeScratch.Buffer pa = NativeScratch.take(ConvProduct.packFloats(pw, most));
            try {
                for (int u = lo; u < hi; u++) {
                    int op = u % oParts;
                    int t = u / oParts % tiles;
                    int ng = u / oParts / tiles;
                    int g = ng % s.groups();
                    int n = ng / s.groups();
                    int o0 = Gemm.bound(og, oParts, op, 4);
                    int o1 = Gemm.bound(og, oParts, op + 1, 4);
                    int t0 = Gemm.bound(l, tiles, t, unroll);
                    int t1 = Gemm.bound(l, tiles, t + 1, unroll);
                    int cols = t1 - t0;
                    if (o1 <= o0 || cols <= 0) {
                        continue;
                    }
                    int xImg = xo + (n * s.c() + g * s.cg()) * s.hw();
                    int yAt = yo + (n * s.o() + g * og + o0) * l + t0;
                    ConvProduct.Panels panels = inPlace
                            ? (k0, k1, dst) -> ConvProduct.packRows(x, xImg + t0, l, k0, k1, cols, dst)
                            : (k0, k1, dst) -> {
                                ConvTiles.im2col(x, xImg + k0 / kk * s.hw(), s, g * s.cg() + k0 / kk, (k1 - k0) / kk, t0, t1, buf, f);
                                ConvProduct.packRows(buf, 0, cols, 0, k1 - k0, cols, dst);
                            };
                    ConvProduct.multiply(pw, g, o0, o1, cols, panels, y, yAt, l, pa.segment());
                    if (f != null) {
                        f.rows(y, yAt, l, g * og + o0, g * og + o1, cols);
                    }
                }
            } finally {
                NativeScratch.give(pa);
            }
        });
    }

    /** Blocks of input channels per group for a backward pass over units (images times groups) of work. */
    private static int channelBlocks(ConvShape s, int units) {
        int threads = Parallel.threads();
        return units >= threads ? 1 : Math.min(s.cg(), (threads + units - 1) / units);
    }

    /** gx (n, c, h, w) at gxo = the input gradient from gy at gyo (weight at wOff). */
    static void backwardInput(float[] gy, int gyo, float[] wt, int wOff, float[] gx, int gxo, ConvShape s) {
        int l = s.l();
        int og = s.og();
        int kg = s.kg();
        int kk = s.kk();
        int units = s.n() * s.groups();
        int blocks = channelBlocks(s, units);
        Parallel.forRange(units * blocks, 1, (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int b = u % blocks;
                int g = u / blocks % s.groups();
                int n = u / blocks / s.groups();
                int c0 = Gemm.bound(s.cg(), blocks, b, 1);
                int c1 = Gemm.bound(s.cg(), blocks, b + 1, 1);
                if (c1 <= c0) {
                    continue;
                }
                int gxAt = gxo + (n * s.c() + g * s.cg() + c0) * s.hw();
                int gyAt = gyo + (n * s.o() + g * og) * l;
                int wAt = wOff + g * og * kg + c0 * kk;
                if (s.pointwise()) {
                    Gemm.sgemm(true, false, c1 - c0, l, og, 1f, wt, wAt, kg, gy, gyAt, l, 0f, gx, gxAt, l);
                    continue;
                }
                Arrays.fill(gx, gxAt, gxAt + (c1 - c0) * s.hw(), 0f);
                int rows = (c1 - c0) * kk;
                int lt = s.tileColumns(rows);
                float[] buf = ConvTiles.scratch(rows * lt);
                for (int t0 = 0; t0 < l; t0 += lt) {
                    int t1 = Math.min(l, t0 + lt);
                    Gemm.sgemm(true, false, rows, t1 - t0, og, 1f, wt, wAt, kg, gy, gyAt + t0, l, 0f, buf, 0, t1 - t0);
                    ConvTiles.col2im(buf, s, c1 - c0, t0, t1, gx, gxAt);
                }
            }
        });
    }

    /** gw (o, c/groups, kh, kw) at gwo = the weight gradient from gy at gyo and x at xo, summed over the images. */
    static void backwardWeight(float[] gy, int gyo, float[] x, int xo, float[] gw, int gwo, ConvShape s) {
        int l = s.l();
        int og = s.og();
        int kg = s.kg();
        int kk = s.kk();
        int blocks = channelBlocks(s, s.groups());
        Parallel.forRange(s.groups() * blocks, 1, (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int b = u % blocks;
                int g = u / blocks;
                int c0 = Gemm.bound(s.cg(), blocks, b, 1);
                int c1 = Gemm.bound(s.cg(), blocks, b + 1, 1);
                if (c1 <= c0) {
                    continue;
                }
                int rows = (c1 - c0) * kk;
                int gwAt = gwo + g * og * kg + c0 * kk;
                int lt = s.pointwise() ? l : s.tileColumns(rows);
                float[] buf = s.pointwise() ? null : ConvTiles.scratch(rows * lt);
                float beta = 0f;
                for (int n = 0; n < s.n(); n++) {
                    int gyAt = gyo + (n * s.o() + g * og) * l;
                    int xAt = xo + (n * s.c() + g * s.cg() + c0) * s.hw();
                    for (int t0 = 0; t0 < l; t0 += lt) {
                        int t1 = Math.min(l, t0 + lt);
                        if (s.pointwise()) {
                            Gemm.sgemm(false, true, og, rows, t1 - t0, 1f, gy, gyAt + t0, l, x, xAt + t0, l, beta, gw, gwAt, kg);
                        } else {
                            ConvTiles.im2col(x, xAt, s, g * s.cg() + c0, c1 - c0, t0, t1, buf, null);
                            Gemm.sgemm(false, true, og, rows, t1 - t0, 1f, gy, gyAt + t0, l, buf, 0, t1 - t0, beta, gw, gwAt, kg);
                        }
                        beta = 1f;
                    }
                }
            }
        });
    }
}
