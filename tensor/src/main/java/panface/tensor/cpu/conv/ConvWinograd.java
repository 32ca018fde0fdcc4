package panface.tensor.cpu.conv;

import panface.tensor.RuntimeConfig;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.ArrayPool;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Float 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks"): each 2x2 block of output comes from a
 * 4x4 patch of input as A^T [(G g G^T) . (B^T d B)] A, so the products, one GEMM (o x c) x (c x
 * tiles) per of the 16 transformed positions, take 16/36 of the multiplications of the direct
 * form. These convolutions carry most of IResNet's work, and the GEMMs are what bounds it. The
 * transforms add a few additions per value and a little float32 rounding (the input transform
 * sums at most four values, the output transform nine); used from 14x14 outputs up and from
 * {@link #MIN_CALL_OUTPUTS} outputs in the call (a 28x28 image, or four at 14x14), and at 7x7 from
 * 16 images up, where the per-call weight transform (16/9 of the weight's size, written and read
 * again) is small beside the products it saves: at batch 1 on 14x14 it cost more than it saved.
 */
final class ConvWinograd {
    private static final boolean ENABLED = RuntimeConfig.startup().convWinograd();
    /** Fewest output positions per image for which the transforms pay off. */
    private static final int MIN_OUTPUTS = 196;
    /** Fewest output positions over all images of a call. */
    private static final int MIN_CALL_OUTPUTS = 768;
    /**
     * Fewest output positions per image below {@link #MIN_OUTPUTS}: IResNet's 7x7 stage, whose
     * 4x4 tiles cover 8x8, where many images share each product ({@link #CHUNK_TILES}).
     */
    private static final int MIN_SMALL_OUTPUTS = 49;
    /** Fewest output positions of a call with images below {@link #MIN_OUTPUTS}: 16 images at 7x7, where the weight transform no longer outweighs the products it saves. */
    private static final int MIN_SMALL_CALL_OUTPUTS = 784;
    /** Tiles per product, from as many images as that takes: one 14x14 image's 49 made products too narrow for the GEMM kernel. */
    private static final int CHUNK_TILES = 512;

    private ConvWinograd() {
    }

    static boolean suits(ConvShape s) {
        long outputs = (long) s.n() * s.l();
        return ENABLED && s.winogradShape()
                && (s.l() >= MIN_OUTPUTS ? outputs >= MIN_CALL_OUTPUTS : s.l() >= MIN_SMALL_OUTPUTS && outputs >= MIN_SMALL_CALL_OUTPUTS);
    }

    /** False when {@code -Dpanface.conv.winograd=false} turned Winograd off. */
    static boolean enabled() {
        return ENABLED;
    }

    /**
     * y at yo = conv(x at xo, weight at wOff) with f's parts fused; images of at least
     * {@link ConvWinograd4#MIN_OUTPUTS} outputs go to F(4x4, 3x3) instead.
     */
    static void forward(float[] x, int xo, float[] wt, int wOff, float[] y, int yo, ConvShape s, ConvFused f) {
        if (ConvWinograd4.suits(s)) {
            ConvWinograd4.forward(x, xo, wt, wOff, y, yo, s, f);
            return;
        }
        int c = s.c();
        int o = s.o();
        int th = (s.ho() + 1) / 2;
        int tw = (s.wo() + 1) / 2;
        int tiles = th * tw;
        float[] u = ArrayPool.floats(16 * o * c);
        Parallel.forRange(o, Math.max(1, 4096 / c), (lo, hi) -> transformWeights(wt, wOff, u, lo, hi, o, c));
        if (tiles >= CHUNK_TILES / 4) {
            forwardByImage(x, xo, u, y, yo, s, f, th, tw);
        } else {
            forwardByChunk(x, xo, u, y, yo, s, f, th, tw);
        }
        ArrayPool.giveBack(u);
    }

    /**
     * Images of many tiles: each thread transforms, multiplies and transforms back whole images
     * (at batch 1, a share of the output channels), whose transformed input and output stay
     * nearer its own caches than a chunk shared between the threads.
     */
    private static void forwardByImage(float[] x, int xo, float[] u, float[] y, int yo, ConvShape s, ConvFused f, int th, int tw) {
        int c = s.c();
        int o = s.o();
        int tiles = th * tw;
        int threads = Parallel.threads();
        int oParts = s.n() >= threads ? 1 : Math.max(1, Math.min((threads + s.n() - 1) / s.n(), o / 16));
        Parallel.forRange(s.n() * oParts, 1, (lo, hi) -> {
            int vSize = 16 * c * tiles;
            float[] buf = ConvTiles.scratch(vSize + 16 * o * tiles);
            float[] flat = new float[ConvWinogradTiles.flatFloats(th, tw)];
            for (int unit = lo; unit < hi; unit++) {
                int n = unit / oParts;
                int op = unit % oParts;
                int o0 = Gemm.bound(o, oParts, op, 4);
                int o1 = Gemm.bound(o, oParts, op + 1, 4);
                if (o1 <= o0) {
                    continue;
                }
                int rows = o1 - o0;
                ConvWinogradTiles.transformInput(x, xo + n * c * s.hw(), 0, c, s, f, th, tw, buf, 0, c * tiles, tiles, flat);
                for (int e = 0; e < 16; e++) {
                    Gemm.sgemm(false, false, rows, tiles, c, 1f, u, (e * o + o0) * c, c, buf, e * c * tiles, tiles, 0f, buf, vSize + e * rows * tiles,
                            tiles);
                }
                int yImg = yo + (n * o + o0) * s.l();
                ConvWinogradTiles.transformOutput(buf, vSize, rows * tiles, tiles, rows, s, th, tw, y, yImg, flat);
                if (f != null) {
                    f.rows(y, yImg, s.l(), o0, o1, s.l());
                }
            }
        });
    }

    /**
     * Images of few tiles (14x14 and smaller): the tiles of as many images as make about
     * {@link #CHUNK_TILES} go side by side in each product, the threads transforming the chunk
     * together by image and channel and then taking the 16 products between them.
     */
    private static void forwardByChunk(float[] x, int xo, float[] u, float[] y, int yo, ConvShape s, ConvFused f, int th, int tw) {
        int c = s.c();
        int o = s.o();
        int tiles = th * tw;
        int chunk = Math.clamp(Math.ceilDiv(CHUNK_TILES, tiles), 1, Math.max(1, Math.min(s.n(), ConvWinogradWeight.CHUNK_FLOATS / (16 * (c + o) * tiles))));
        float[] buf = ConvTiles.scratch(16 * (c + o) * chunk * tiles);
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            int k = images * tiles;
            int mAt = 16 * c * k;
            int first = n0;
            Parallel.forRange(images * c, 16, (lo, hi) -> {
                float[] flat = new float[ConvWinogradTiles.flatFloats(th, tw)];
                for (int r = lo; r < hi;) {
                    int j = r / c;
                    int ci = r % c;
                    int end = Math.min(hi - j * c, c);
                    ConvWinogradTiles.transformInput(x, xo + ((first + j) * c + ci) * s.hw(), ci, end - ci, s, f, th, tw, buf, ci * k + j * tiles, c * k, k,
                            flat);
                    r += end - ci;
                }
            });
            Parallel.forRange(16, 1, (lo, hi) -> {
                for (int e = lo; e < hi; e++) {
                    Gemm.sgemm(false, false, o, k, c, 1f, u, e * o * c, c, buf, e * c * k, k, 0f, buf, mAt + e * o * k, k);
                }
            });
            Parallel.forRange(images * o, 16, (lo, hi) -> {
                float[] flat = new float[ConvWinogradTiles.flatFloats(th, tw)];
                for (int r = lo; r < hi;) {
                    int j = r / o;
                    int oc = r % o;
                    int end = Math.min(hi - j * o, o);
                    int yAt = yo + ((first + j) * o + oc) * s.l();
                    ConvWinogradTiles.transformOutput(buf, mAt + oc * k + j * tiles, o * k, k, end - oc, s, th, tw, y, yAt, flat);
                    if (f != null) {
                        f.rows(y, yAt, s.l(), oc, end, s.l());
                    }
                    r += end - oc;
                }
            });
        }
    }

    /** U[e][oc][ci] = (G g G^T)[e] for output channels [lo, hi). */
    static void transformWeights(float[] wt, int wOff, float[] u, int lo, int hi, int o, int c) {
        float[] gg = new float[12];
        for (int oc = lo; oc < hi; oc++) {
            for (int ci = 0; ci < c; ci++) {
                int g = wOff + (oc * c + ci) * 9;
                for (int j = 0; j < 3; j++) {
                    float g0 = wt[g + j];
                    float g1 = wt[g + 3 + j];
                    float g2 = wt[g + 6 + j];
                    gg[j] = g0;
                    gg[3 + j] = 0.5f * (g0 + g1 + g2);
                    gg[6 + j] = 0.5f * (g0 - g1 + g2);
                    gg[9 + j] = g2;
                }
                for (int i = 0; i < 4; i++) {
                    float a = gg[3 * i];
                    float b = gg[3 * i + 1];
                    float cc = gg[3 * i + 2];
                    int at = oc * c + ci;
                    u[(4 * i) * o * c + at] = a;
                    u[(4 * i + 1) * o * c + at] = 0.5f * (a + b + cc);
                    u[(4 * i + 2) * o * c + at] = 0.5f * (a - b + cc);
                    u[(4 * i + 3) * o * c + at] = cc;
                }
            }
        }
    }
}
