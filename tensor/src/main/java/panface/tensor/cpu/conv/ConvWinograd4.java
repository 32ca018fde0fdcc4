package panface.tensor.cpu.conv;

import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.ArrayPool;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Float 3x3 stride-1 convolution by Winograd's F(4x4, 3x3) (Lavin and Gray, interpolation points
 * 0, 1, -1, 2, -2 and infinity): each 4x4 block of output comes from a 6x6 patch of input as
 * A^T [(G g G^T) . (B^T d B)] A, 36 products per 16 outputs where {@link ConvWinograd}'s
 * F(2x2, 3x3) takes 16 per 4, so the GEMMs, one per transformed position, do 1.78x fewer
 * multiplications on images that are a whole number of tiles (0.73x at 14x14, whose 4x4 tiles
 * cover 16x16). The price is accuracy: B^T has entries up to 5 and A^T up to 8, so the float32
 * rounding of the transforms is a few times that of F(2x2, 3x3); the weight transform, whose G
 * has sixths and twenty-fourths, is worked out in float64 and rounded once. The tiles of as many
 * images as make about {@link #CHUNK_TILES} go side by side in each product, the threads
 * transforming the chunk together by image and channel and then taking the 36 products between
 * them.
 */
final class ConvWinograd4 {
    /**
     * Fewest output positions per image: 28x28, IResNet's second stage, where (as on the larger
     * stages) F(4x4, 3x3) took less time than F(2x2, 3x3); at 14x14, where the tiles cover 16x16,
     * the transforms of 16 tiles a plane ate what the products saved, and at 7x7 a chunk's
     * products were too narrow for the GEMM.
     */
    static final int MIN_OUTPUTS = 784;
    /** Tiles per product, from as many images as that takes. */
    private static final int CHUNK_TILES = 512;
    /** Floats of one chunk's transformed input and output: room for {@link #CHUNK_TILES} tiles of 28x28 images of 128 channels in and out. */
    private static final int CHUNK_FLOATS = 1 << 23;
    /** One sixth, the weight transform's common factor. */
    private static final double SIXTH = 1.0 / 6;

    private ConvWinograd4() {
    }

    /** Shapes that {@link ConvWinograd#suits} takes with images of at least {@link #MIN_OUTPUTS} outputs. */
    static boolean suits(ConvShape s) {
        return s.winogradShape() && s.l() >= MIN_OUTPUTS;
    }

    /** y at yo = conv(x at xo, weight at wOff) with f's parts fused, for a shape that {@link ConvShape#winogradShape} accepts. */
    static void forward(float[] x, int xo, float[] wt, int wOff, float[] y, int yo, ConvShape s, ConvFused f) {
        int c = s.c();
        int o = s.o();
        int th = (s.ho() + 3) / 4;
        int tw = (s.wo() + 3) / 4;
        int tiles = th * tw;
        float[] u = ArrayPool.floats(36 * o * c);
        Parallel.forRange(o, Math.max(1, 4096 / c), (lo, hi) -> transformWeights(wt, wOff, u, lo, hi, o, c));
        int chunk = Math.clamp(Math.ceilDiv(CHUNK_TILES, tiles), 1, Math.max(1, Math.min(s.n(), CHUNK_FLOATS / (36 * (c + o) * tiles))));
        float[] buf = ConvTiles.scratch(36 * (c + o) * chunk * tiles);
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            int k = images * tiles;
            int mAt = 36 * c * k;
            int first = n0;
            Parallel.forRange(images * c, 8, (lo, hi) -> {
                float[] flat = new float[ConvWinograd4Tiles.flatFloats(th, tw)];
                for (int r = lo; r < hi;) {
                    int j = r / c;
                    int ci = r % c;
                    int end = Math.min(hi - j * c, c);
                    ConvWinograd4Tiles.transformInput(x, xo + ((first + j) * c + ci) * s.hw(), ci, end - ci, s, f, th, tw, buf, ci * k + j * tiles, c * k,
                            k, flat);
                    r += end - ci;
                }
            });
            Parallel.forRange(36, 1, (lo, hi) -> {
                for (int e = lo; e < hi; e++) {
                    Gemm.sgemm(false, false, o, k, c, 1f, u, e * o * c, c, buf, e * c * k, k, 0f, buf, mAt + e * o * k, k);
                }
            });
            Parallel.forRange(images * o, 8, (lo, hi) -> {
                float[] flat = new float[ConvWinograd4Tiles.flatFloats(th, tw)];
                for (int r = lo; r < hi;) {
                    int j = r / o;
                    int oc = r % o;
                    int end = Math.min(hi - j * o, o);
                    int yAt = yo + ((first + j) * o + oc) * s.l();
                    ConvWinograd4Tiles.transformOutput(buf, mAt + oc * k + j * tiles, o * k, k, end - oc, s, th, tw, y, yAt, flat);
                    if (f != null) {
                        f.rows(y, yAt, s.l(), oc, end, s.l());
                    }
                    r += end - oc;
                }
            });
        }
        ArrayPool.giveBack(u);
    }

    /**
     * U[e][oc][ci] = (G g G^T)[e] for output channels [lo, hi), e = 6 * row + column; G's rows
     * are (1/4, 0, 0), -(1, 1, 1)/6, -(1, -1, 1)/6, (1/24, 1/12, 1/6), (1/24, -1/12, 1/6) and
     * (0, 0, 1).
     */
    static void transformWeights(float[] wt, int wOff, float[] u, int lo, int hi, int o, int c) {
        double[] gg = new double[18];
        for (int oc = lo; oc < hi; oc++) {
            for (int ci = 0; ci < c; ci++) {
                int g = wOff + (oc * c + ci) * 9;
                for (int j = 0; j < 3; j++) {
                    gColumn(wt[g + j], wt[g + 3 + j], wt[g + 6 + j], gg, j, 3);
                }
                int at = oc * c + ci;
                double[] row = new double[6];
                for (int i = 0; i < 6; i++) {
                    gColumn(gg[3 * i], gg[3 * i + 1], gg[3 * i + 2], row, 0, 1);
                    for (int j = 0; j < 6; j++) {
                        u[(6 * i + j) * o * c + at] = (float) row[j];
                    }
                }
            }
        }
    }

    /** G (g0, g1, g2) written at dst[at + k * stride], k from 0 to 5. */
    private static void gColumn(double g0, double g1, double g2, double[] dst, int at, int stride) {
        double even = (g0 + g2) * SIXTH;
        double odd = g1 * SIXTH;
        double far = g0 * (SIXTH / 4) + g2 * SIXTH;
        dst[at] = g0 * 0.25;
        dst[at + stride] = -even - odd;
        dst[at + 2 * stride] = odd - even;
        dst[at + 3 * stride] = far + odd * 0.5;
        dst[at + 4 * stride] = far - odd * 0.5;
        dst[at + 5 * stride] = g2;
    }
}
