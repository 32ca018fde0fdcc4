package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

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
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats of one chunk's transformed input and output gradient: tens of megabytes, so that each product has a depth of hundreds of tiles. */
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
                float[] flat = new float[flatFloats(th, tw)];
                for (int u = lo; u < hi;) {
                    int j = u / (c + o);
                    int r = u % (c + o);
                    int end = Math.min(hi - j * (c + o), c + o);
                    int n = first + j;
                    if (r < c) {
                        int r1 = Math.min(end, c);
                        transformInput(x, xo + (n * c + r) * s.hw(), r1 - r, s, th, tw, buf, vAt + r * k + j * tiles, c * k, k, flat);
                        u += r1 - r;
                    } else {
                        transformGradient(gy, gyo + (n * o + r - c) * s.l(), end - r, s, th, tw, buf, mAt + (r - c) * k + j * tiles, o * k, k, flat);
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

    /**
     * V[e][ci][t] = (B^T d B)[e] for the 4x4 input patch d of each tile t of input channels
     * planes (the first at xAt), zero padding, written at v[vo + e * ldE + ci * ldC + t]. Each
     * plane is first split by the parity of its padded rows and columns into arrays indexed by
     * tile, one for a tile's left and one for its right column pair, so that every patch value
     * of consecutive tiles is a contiguous load, whatever the width: the transform then runs over
     * all of a plane's tiles as one vector loop (a row of tiles is narrower than a vector from
     * 14x14 down). flat is scratch of {@link #flatFloats} floats.
     */
    static void transformInput(float[] x, int xAt, int planes, ConvShape s, int th, int tw, float[] v, int vo, int ldE, int ldC, float[] flat) {
        int h = s.h();
        int w = s.w();
        int ph = s.p().ph();
        int pw = s.p().pw();
        int tiles = th * tw;
        int size = (th + 1) * tw;
        int bound = S.loopBound(tiles);
        for (int ci = 0; ci < planes; ci++) {
            java.util.Arrays.fill(flat, 0, 8 * size, 0f);
            int plane = xAt + ci * s.hw();
            for (int iy = Math.max(0, -ph); iy < Math.min(h, 2 * th + 2 - ph); iy++) {
                int r = iy + ph;
                int rowAt = (r & 1) * 4 * size + (r >> 1) * tw;
                int src = plane + iy * w;
                for (int ix = Math.max(0, -pw); ix < Math.min(w, 2 * tw + 2 - pw); ix++) {
                    int j = ix + pw;
                    int jj = j >> 1;
                    int at = rowAt + (j & 1) * 2 * size;
                    float val = x[src + ix];
                    if (jj < tw) {
                        flat[at + jj] = val;
                    }
                    if (jj >= 1) {
                        flat[at + size + jj - 1] = val;
                    }
                }
            }
            int out = vo + ci * ldC;
            int t = 0;
            for (; t < bound; t += S.length()) {
                for (int col = 0; col < 4; col++) {
                    FloatVector h0 = patchColumn(flat, t, 0, col, size, tw);
                    FloatVector h1 = patchColumn(flat, t, 1, col, size, tw);
                    FloatVector h2 = patchColumn(flat, t, 2, col, size, tw);
                    FloatVector h3 = patchColumn(flat, t, 3, col, size, tw);
                    h0.sub(h2).intoArray(v, out + col * ldE + t);
                    h1.add(h2).intoArray(v, out + (4 + col) * ldE + t);
                    h2.sub(h1).intoArray(v, out + (8 + col) * ldE + t);
                    h1.sub(h3).intoArray(v, out + (12 + col) * ldE + t);
                }
            }
            for (; t < tiles; t++) {
                for (int col = 0; col < 4; col++) {
                    float h0 = patchValue(flat, t, 0, col, size, tw);
                    float h1 = patchValue(flat, t, 1, col, size, tw);
                    float h2 = patchValue(flat, t, 2, col, size, tw);
                    float h3 = patchValue(flat, t, 3, col, size, tw);
                    v[out + col * ldE + t] = h0 - h2;
                    v[out + (4 + col) * ldE + t] = h1 + h2;
                    v[out + (8 + col) * ldE + t] = h2 - h1;
                    v[out + (12 + col) * ldE + t] = h1 - h3;
                }
            }
        }
    }

    /** Floats of {@link #transformInput}'s scratch, with room for a vector past the end. */
    static int flatFloats(int th, int tw) {
        return 8 * (th + 1) * tw + S.length();
    }

    /**
     * (d B)[i][col] for tiles t.. (a vector of them): patch column j of patch row i is the tile's
     * value in the array of row parity i % 2, column parity j % 2 and column pair j / 2, one row
     * of tiles further down for i &gt;= 2; the columns of B combine d[0] - d[2], d[1] + d[2],
     * d[2] - d[1], d[1] - d[3].
     */
    private static FloatVector patchColumn(float[] flat, int t, int i, int col, int size, int tw) {
        int rowAt = (i & 1) * 4 * size + (i >> 1) * tw + t;
        return switch (col) {
            case 0 -> FloatVector.fromArray(S, flat, rowAt).sub(FloatVector.fromArray(S, flat, rowAt + size));
            case 1 -> FloatVector.fromArray(S, flat, rowAt + 2 * size).add(FloatVector.fromArray(S, flat, rowAt + size));
            case 2 -> FloatVector.fromArray(S, flat, rowAt + size).sub(FloatVector.fromArray(S, flat, rowAt + 2 * size));
            default -> FloatVector.fromArray(S, flat, rowAt + 2 * size).sub(FloatVector.fromArray(S, flat, rowAt + 3 * size));
        };
    }

    /** {@link #patchColumn} for one tile. */
    private static float patchValue(float[] flat, int t, int i, int col, int size, int tw) {
        int rowAt = (i & 1) * 4 * size + (i >> 1) * tw + t;
        return switch (col) {
            case 0 -> flat[rowAt] - flat[rowAt + size];
            case 1 -> flat[rowAt + 2 * size] + flat[rowAt + size];
            case 2 -> flat[rowAt + size] - flat[rowAt + 2 * size];
            default -> flat[rowAt + 2 * size] - flat[rowAt + 3 * size];
        };
    }

    /**
     * M[e][oc][t] = (A dY A^T)[e] for the 2x2 output-gradient block dY of each tile t of planes
     * channels planes (the first at gyAt), zero where the block passes the output's edge, written
     * at m[mo + e * ldE + oc * ldC + t]. The blocks' four corners are first gathered into arrays
     * indexed by tile (flat: scratch of {@link #flatFloats} floats), for one vector loop over
     * all of a plane's tiles.
     */
    static void transformGradient(float[] gy, int gyAt, int planes, ConvShape s, int th, int tw, float[] m, int mo, int ldE, int ldC,
                                  float[] flat) {
        int ho = s.ho();
        int wo = s.wo();
        int tiles = th * tw;
        int bound = S.loopBound(tiles);
        for (int oc = 0; oc < planes; oc++) {
            int plane = gyAt + oc * s.l();
            if ((ho & 1) != 0 || (wo & 1) != 0) {
                java.util.Arrays.fill(flat, 0, 4 * tiles, 0f);
            }
            // corner (i, j) of tile t at flat[(2i + j) * tiles + t]
            for (int oy = 0; oy < ho; oy++) {
                int rowAt = (oy & 1) * 2 * tiles + (oy >> 1) * tw;
                int src = plane + oy * wo;
                for (int ox = 0; ox < wo; ox++) {
                    flat[rowAt + (ox & 1) * tiles + (ox >> 1)] = gy[src + ox];
                }
            }
            int out = mo + oc * ldC;
            int t = 0;
            for (; t < bound; t += S.length()) {
                FloatVector a = FloatVector.fromArray(S, flat, t);
                FloatVector b = FloatVector.fromArray(S, flat, tiles + t);
                FloatVector c = FloatVector.fromArray(S, flat, 2 * tiles + t);
                FloatVector d = FloatVector.fromArray(S, flat, 3 * tiles + t);
                // A along the rows: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d); then along each row's pair (p, q): p, p + q, p - q, -q
                row(a, b, m, out + t, 0, ldE);
                row(a.add(c), b.add(d), m, out + t, 4, ldE);
                row(a.sub(c), b.sub(d), m, out + t, 8, ldE);
                row(c.neg(), d.neg(), m, out + t, 12, ldE);
            }
            for (; t < tiles; t++) {
                float a = flat[t];
                float b = flat[tiles + t];
                float c = flat[2 * tiles + t];
                float d = flat[3 * tiles + t];
                float[] p = {a, a + c, a - c, -c};
                float[] q = {b, b + d, b - d, -d};
                for (int i = 0; i < 4; i++) {
                    m[out + t + (4 * i) * ldE] = p[i];
                    m[out + t + (4 * i + 1) * ldE] = p[i] + q[i];
                    m[out + t + (4 * i + 2) * ldE] = p[i] - q[i];
                    m[out + t + (4 * i + 3) * ldE] = -q[i];
                }
            }
        }
    }

    /** Positions e0 .. e0 + 3 of the row transform of (p, q): p, p + q, p - q, -q. */
    private static void row(FloatVector p, FloatVector q, float[] m, int at, int e0, int ldE) {
        p.intoArray(m, at + e0 * ldE);
        p.add(q).intoArray(m, at + (e0 + 1) * ldE);
        p.sub(q).intoArray(m, at + (e0 + 2) * ldE);
        q.neg().intoArray(m, at + (e0 + 3) * ldE);
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
