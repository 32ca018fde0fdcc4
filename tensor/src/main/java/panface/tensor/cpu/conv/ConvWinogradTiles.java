package panface.tensor.cpu.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd's F(2x2, 3x3) transforms (see {@link ConvWinograd}) over all tiles of an image plane
 * as one vector loop. A row of tiles is narrower than a vector from 14x14 down, so instead of
 * running along rows, each plane is first split into arrays indexed by tile (by the parity of
 * its rows and columns), in which every value a tile needs is a contiguous load for consecutive
 * tiles; the transforms then run over those arrays, and the output is interleaved back the same
 * way. The transformed values are laid out [e][channel][tile] with the caller's strides, so that
 * several images' tiles can sit side by side in one row per channel.
 */
final class ConvWinogradTiles {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ConvWinogradTiles() {
    }

    /**
     * V[e][ci][t] = (B^T d B)[e] for the 4x4 input patch d of each tile t of planes input
     * channels (the first, channel ch0 of the image for f's prologue, at xAt), the prologue
     * applied and the padding zero, written at v[vo + e * ldE + ci * ldC + t]. The padded plane
     * goes into eight arrays indexed by tile: by the parity of its rows, of its columns, and
     * whether a column is in the tile's left or right pair. flat is scratch of
     * {@link #flatFloats} floats.
     */
    static void transformInput(float[] x, int xAt, int ch0, int planes, ConvShape s, ConvFused f, int th, int tw, float[] v, int vo, int ldE, int ldC,
                               float[] flat) {
        int h = s.h();
        int w = s.w();
        int ph = s.p().ph();
        int pw = s.p().pw();
        int tiles = th * tw;
        int size = (th + 1) * tw;
        int bound = S.loopBound(tiles);
        boolean affine = f != null && f.hasPrologue();
        for (int ci = 0; ci < planes; ci++) {
            java.util.Arrays.fill(flat, 0, 8 * size, 0f);
            int plane = xAt + ci * s.hw();
            float a = affine ? f.inScale(ch0 + ci) : 1f;
            float b = affine ? f.inShift(ch0 + ci) : 0f;
            for (int iy = Math.max(0, -ph); iy < Math.min(h, 2 * th + 2 - ph); iy++) {
                int r = iy + ph;
                int rowAt = (r & 1) * 4 * size + (r >> 1) * tw;
                int src = plane + iy * w;
                for (int p = 0; p < 2; p++) {
                    // padded columns 2jj + p inside the row: jj from lo to hi
                    int lo = Math.max(0, (pw - p + 1) >> 1);
                    int hi = Math.min(tw, Math.floorDiv(w - 1 + pw - p, 2));
                    int from = src + p - pw;
                    int left = rowAt + p * 2 * size;
                    int right = left + size - 1;
                    for (int jj = lo; jj <= Math.min(hi, tw - 1); jj++) {
                        flat[left + jj] = affine ? Math.fma(x[from + 2 * jj], a, b) : x[from + 2 * jj];
                    }
                    for (int jj = Math.max(lo, 1); jj <= hi; jj++) {
                        flat[right + jj] = affine ? Math.fma(x[from + 2 * jj], a, b) : x[from + 2 * jj];
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
     * channels (the first at gyAt), zero where the block passes the output's edge, written at
     * m[mo + e * ldE + oc * ldC + t]; the blocks' four corners first go into arrays indexed by
     * tile (flat: scratch of {@link #flatFloats} floats).
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
                for (int i = 0; i < (wo + 1) / 2; i++) {
                    flat[rowAt + i] = gy[src + 2 * i];
                }
                for (int i = 0; i < wo / 2; i++) {
                    flat[rowAt + tiles + i] = gy[src + 2 * i + 1];
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


    /**
     * y[oc][2ty + i][2tx + j] = (A^T M A)[i][j] for the 2x2 output block of each tile t of planes
     * output channels, M[e][oc][t] at m[mo + e * ldE + oc * ldC + t], clipped to the output (the
     * first plane at yAt); the blocks' four corners go through flat (scratch of
     * {@link #flatFloats} floats) on their way to the interleaved rows.
     */
    static void transformOutput(float[] m, int mo, int ldE, int ldC, int planes, ConvShape s, int th, int tw, float[] y, int yAt, float[] flat) {
        int ho = s.ho();
        int wo = s.wo();
        int tiles = th * tw;
        for (int oc = 0; oc < planes; oc++) {
            int in = mo + oc * ldC;
            outputCorners(m, in, ldE, tiles, flat, tiles);
            int plane = yAt + oc * s.l();
            for (int oy = 0; oy < ho; oy++) {
                int rowAt = (oy & 1) * 2 * tiles + (oy >> 1) * tw;
                int dst = plane + oy * wo;
                for (int i = 0; i < (wo + 1) / 2; i++) {
                    y[dst + 2 * i] = flat[rowAt + i];
                }
                for (int i = 0; i < wo / 2; i++) {
                    y[dst + 2 * i + 1] = flat[rowAt + tiles + i];
                }
            }
        }
    }

    /**
     * The 2x2 block A^T M A of count consecutive tiles whose 4x4 values M[e] are at
     * m[at + e * ldE + t]: corner k (row-major) of tile t goes to dst[k * span + t]. Vector loop
     * over the tiles, scalar tail.
     */
    static void outputCorners(float[] m, int at, int ldE, int count, float[] dst, int span) {
        int bound = S.loopBound(count);
        int t = 0;
        for (; t < bound; t += S.length()) {
            // rows: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3; then the same along each row
            FloatVector a0 = upper(m, at + t, ldE);
            FloatVector a1 = upper(m, at + t + ldE, ldE);
            FloatVector a2 = upper(m, at + t + 2 * ldE, ldE);
            FloatVector a3 = upper(m, at + t + 3 * ldE, ldE);
            a0.add(a1).add(a2).intoArray(dst, t);
            a1.sub(a2).sub(a3).intoArray(dst, span + t);
            FloatVector b0 = lower(m, at + t, ldE);
            FloatVector b1 = lower(m, at + t + ldE, ldE);
            FloatVector b2 = lower(m, at + t + 2 * ldE, ldE);
            FloatVector b3 = lower(m, at + t + 3 * ldE, ldE);
            b0.add(b1).add(b2).intoArray(dst, 2 * span + t);
            b1.sub(b2).sub(b3).intoArray(dst, 3 * span + t);
        }
        for (; t < count; t++) {
            float[] a = new float[4];
            float[] b = new float[4];
            for (int j = 0; j < 4; j++) {
                float q0 = m[at + j * ldE + t];
                float q1 = m[at + (4 + j) * ldE + t];
                float q2 = m[at + (8 + j) * ldE + t];
                float q3 = m[at + (12 + j) * ldE + t];
                a[j] = q0 + q1 + q2;
                b[j] = q1 - q2 - q3;
            }
            dst[t] = a[0] + a[1] + a[2];
            dst[span + t] = a[1] - a[2] - a[3];
            dst[2 * span + t] = b[0] + b[1] + b[2];
            dst[3 * span + t] = b[1] - b[2] - b[3];
        }
    }

    /** m0 + m1 + m2 of column j (at q; row i of the 4x4 at q + 4 * i * ldE). */
    private static FloatVector upper(float[] m, int q, int ldE) {
        return FloatVector.fromArray(S, m, q).add(FloatVector.fromArray(S, m, q + 4 * ldE)).add(FloatVector.fromArray(S, m, q + 8 * ldE));
    }

    /** m1 - m2 - m3 of column j (see {@link #upper}). */
    private static FloatVector lower(float[] m, int q, int ldE) {
        return FloatVector.fromArray(S, m, q + 4 * ldE).sub(FloatVector.fromArray(S, m, q + 8 * ldE)).sub(FloatVector.fromArray(S, m, q + 12 * ldE));
    }
}
