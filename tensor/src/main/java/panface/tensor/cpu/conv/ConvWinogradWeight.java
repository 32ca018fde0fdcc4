package panface.tensor.cpu.conv;

import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.Parallel;

/**
 * The weight gradient of a 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (see
 * {@link ConvWinograd}), the forward's identity run backwards: each 2x2 output tile is
 * A^T [U . V] A with U = G g G^T and V = B^T d B, so the gradient of U is the sum over tiles of
 * (A dY A^T) . V, and that of g is G^T (that sum) G. Summed over every tile of every image, the
 * 16 transformed positions e are 16 products M[e] (o x tiles) V[e]^T (tiles x c), a quarter of
 * the direct form's depth times 16/9 positions: 2.25x fewer multiplications than unfolding the
 * input (im2col) and multiplying by the output gradient, and no unfolded copy.
 * <p>
 * Images go in chunks whose transformed input and output gradient take about
 * {@link #CHUNK_FLOATS} floats: the threads transform a chunk together (by image and channel),
 * then each accumulates the products of its own positions e, so every sum has the same terms in
 * the same order at any thread count. The transforms add a little float32 rounding (V sums at
 * most four inputs, A dY A^T four gradients, G^T . G nine sums of positions) beside the products'.
 */
final class ConvWinogradWeight {
    /** Floats of one chunk's transformed input and output gradient: enough that each product has a depth of hundreds of tiles at every IResNet stage. */
    static final int CHUNK_FLOATS = 1 << 22;
    /** Fewest output positions per image: at 7x7, 4x4 tiles cover 8x8 and still need 1.7x fewer multiplications than the direct form. */
    private static final int MIN_OUTPUTS = 49;

    private ConvWinogradWeight() {
    }

    /** 3x3, stride 1, one group ({@link ConvShape#winogradShape}), with Winograd on and images of at least 7x7 outputs. */
    static boolean suits(ConvShape s) {
        return ConvWinograd.enabled() && s.winogradShape() && s.l() >= MIN_OUTPUTS;
    }

    /** gw (o, c, 3, 3) at gwo = the weight gradient from gy at gyo and x at xo, summed over the images. */
    static void backwardWeight(float[] gy, int gyo, float[] x, int xo, float[] gw, int gwo, ConvShape s) {
        backwardWeight(gy, gyo, x, xo, gw, gwo, s, CHUNK_FLOATS);
    }

    /** As above with chunks of about chunkFloats floats (at least one image). */
    static void backwardWeight(float[] gy, int gyo, float[] x, int xo, float[] gw, int gwo, ConvShape s, int chunkFloats) {
        int c = s.c();
        int o = s.o();
        int th = (s.ho() + 1) / 2;
        int tw = (s.wo() + 1) / 2;
        int tiles = th * tw;
        int chunk = (int) Math.clamp(chunkFloats / (16L * (c + o) * tiles), 1, s.n());
        int most = chunk * tiles;
        int accSize = 16 * o * c;
        float[] buf = ConvTiles.scratch(accSize + 16 * (c + o) * most);
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int images = Math.min(chunk, s.n() - n0);
            int k = images * tiles;
            int vAt = accSize;
            int mAt = accSize + 16 * c * k;
            int first = n0;
            // rows of work: each image's c input channels, then its o output-gradient channels
            Parallel.forRange(images * (c + o), 16, (lo, hi) -> {
                float[] flat = new float[ConvWinogradTiles.flatFloats(th, tw)];
                for (int u = lo; u < hi;) {
                    int j = u / (c + o);
                    int r = u % (c + o);
                    int end = Math.min(hi - j * (c + o), c + o);
                    int n = first + j;
                    if (r < c) {
                        int r1 = Math.min(end, c);
                        ConvWinogradTiles.transformInput(x, xo + (n * c + r) * s.hw(), r, r1 - r, s, null, th, tw, buf, vAt + r * k + j * tiles, c * k, k, flat);
                        u += r1 - r;
                    } else {
                        ConvWinogradTiles.transformGradient(gy, gyo + (n * o + r - c) * s.l(), end - r, s, th, tw, buf, mAt + (r - c) * k + j * tiles, o * k, k, flat);
                        u += end - r;
                    }
                }
            });
            float beta = n0 == 0 ? 0f : 1f;
            Parallel.forRange(16, 1, (lo, hi) -> {
                for (int e = lo; e < hi; e++) {
                    Gemm.sgemm(false, true, o, c, k, 1f, buf, mAt + e * o * k, k, buf, vAt + e * c * k, k, beta, buf, e * o * c, c);
                }
            });
        }
        Parallel.forRange(o, Math.max(1, 4096 / c), (lo, hi) -> transformBack(buf, o, c, lo, hi, gw, gwo));
    }

    /** gw[oc][ci] = G^T X G for the 4x4 X[e] = acc[e][oc][ci] of output channels [lo, hi). */
    static void transformBack(float[] acc, int o, int c, int lo, int hi, float[] gw, int gwo) {
        float[] t = new float[12];
        for (int oc = lo; oc < hi; oc++) {
            for (int ci = 0; ci < c; ci++) {
                int at = oc * c + ci;
                // G^T along the rows: r0 = X0 + (X1 + X2) / 2, r1 = (X1 - X2) / 2, r2 = (X1 + X2) / 2 + X3
                for (int j = 0; j < 4; j++) {
                    float x0 = acc[j * o * c + at];
                    float x1 = acc[(4 + j) * o * c + at];
                    float x2 = acc[(8 + j) * o * c + at];
                    float x3 = acc[(12 + j) * o * c + at];
                    t[j] = x0 + 0.5f * (x1 + x2);
                    t[4 + j] = 0.5f * (x1 - x2);
                    t[8 + j] = 0.5f * (x1 + x2) + x3;
                }
                int g = gwo + at * 9;
                for (int i = 0; i < 3; i++) {
                    float x0 = t[4 * i];
                    float x1 = t[4 * i + 1];
                    float x2 = t[4 * i + 2];
                    float x3 = t[4 * i + 3];
                    gw[g + 3 * i] = x0 + 0.5f * (x1 + x2);
                    gw[g + 3 * i + 1] = 0.5f * (x1 - x2);
                    gw[g + 3 * i + 2] = 0.5f * (x1 + x2) + x3;
                }
            }
        }
    }
}
