package panface.tensor.cpu.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd's F(4x4, 3x3) transforms (see {@link ConvWinograd4}) over all tiles of an image
 * plane as one vector loop, as {@link ConvWinogradTiles} does for F(2x2, 3x3): a tile's 6x6
 * patch starts every fourth row and column, so the padded plane is first split into arrays
 * indexed by tile, one per row phase (row mod 4) and patch column (0 to 5; columns 4 and 5 are
 * the next tile's columns 0 and 1, copied so that a tile's values never cross into the next row
 * of tiles), in which each value a tile needs is a contiguous load for consecutive tiles. Patch
 * rows 4 and 5 are phases 0 and 1 one row of tiles further down. The transformed values are laid
 * out [e][channel][tile] with the caller's strides, e = 6 * row + column of the 6x6.
 */
final class ConvWinograd4Tiles {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private ConvWinograd4Tiles() {
    }

    /** Floats of the scratch {@link #transformInput} and {@link #transformOutput} need for th x tw tiles. */
    static int flatFloats(int th, int tw) {
        return Math.max(24 * (th + 1) * tw, 16 * th * tw) + 36 * L;
    }

    /**
     * V[e][ci][t] = (B^T d B)[e] for the 6x6 input patch d of each tile t of planes input channels
     * (the first, channel ch0 of the image for f's prologue, at xAt), the prologue applied and the
     * padding zero, written at v[vo + e * ldE + ci * ldC + t]. flat is scratch of
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
        int tmp = 24 * size;
        // planes of a vector of tiles or more run wholly in vectors; smaller ones wholly in scalars
        int vectorEnd = tiles >= L ? tiles : 0;
        boolean affine = f != null && f.hasPrologue();
        float[] patch = new float[36];
        float[] d = new float[6];
        for (int ci = 0; ci < planes; ci++) {
            java.util.Arrays.fill(flat, 0, 24 * size, 0f);
            int plane = xAt + ci * s.hw();
            float a = affine ? f.inScale(ch0 + ci) : 1f;
            float b = affine ? f.inShift(ch0 + ci) : 0f;
            for (int iy = Math.max(0, -ph); iy < Math.min(h, 4 * th + 2 - ph); iy++) {
                int r = iy + ph;
                int rowAt = (r & 3) * 6 * size + (r >> 2) * tw;
                int src = plane + iy * w;
                for (int q = 0; q < 4; q++) {
                    // padded columns 4 tx + q of the row: tx from lo to hi (up to tw, the next tile's, for the copies)
                    int from = src + q - pw;
                    int lo = Math.max(0, (pw - q + 3) >> 2);
                    int hi = Math.min(q < 2 ? tw : tw - 1, Math.floorDiv(w - 1 + pw - q, 4));
                    int own = rowAt + q * size;
                    for (int tx = lo; tx <= Math.min(hi, tw - 1); tx++) {
                        flat[own + tx] = affine ? Math.fma(x[from + 4 * tx], a, b) : x[from + 4 * tx];
                    }
                    if (q < 2) {
                        int next = rowAt + (4 + q) * size - 1;
                        for (int tx = Math.max(lo, 1); tx <= hi; tx++) {
                            flat[next + tx] = affine ? Math.fma(x[from + 4 * tx], a, b) : x[from + 4 * tx];
                        }
                    }
                }
            }
            int out = vo + ci * ldC;
            // the last vector overlaps the one before (same values written twice) instead of a scalar tail
            for (int t0 = 0; t0 < vectorEnd; t0 += L) {
                int t = Math.min(t0, tiles - L);
                // B^T down each patch column, into tmp[6 * i + j]
                for (int j = 0; j < 6; j++) {
                    int at = j * size + t;
                    inputRows(FloatVector.fromArray(S, flat, at), FloatVector.fromArray(S, flat, at + 6 * size),
                            FloatVector.fromArray(S, flat, at + 12 * size), FloatVector.fromArray(S, flat, at + 18 * size),
                            FloatVector.fromArray(S, flat, at + tw), FloatVector.fromArray(S, flat, at + 6 * size + tw), flat, tmp + j * L, 6 * L);
                }
                // then along each row of the result, into V
                for (int i = 0; i < 6; i++) {
                    int at = tmp + 6 * i * L;
                    inputRows(FloatVector.fromArray(S, flat, at), FloatVector.fromArray(S, flat, at + L), FloatVector.fromArray(S, flat, at + 2 * L),
                            FloatVector.fromArray(S, flat, at + 3 * L), FloatVector.fromArray(S, flat, at + 4 * L), FloatVector.fromArray(S, flat, at + 5 * L),
                            v, out + 6 * i * ldE + t, ldE);
                }
            }
            for (int t = vectorEnd; t < tiles; t++) {
                for (int j = 0; j < 6; j++) {
                    for (int i = 0; i < 6; i++) {
                        d[i] = flat[((i & 3) * 6 + j) * size + (i >> 2) * tw + t];
                    }
                    inputRows(d, patch, j, 6);
                }
                for (int i = 0; i < 6; i++) {
                    System.arraycopy(patch, 6 * i, d, 0, 6);
                    inputRows(d, v, out + 6 * i * ldE + t, ldE);
                }
            }
        }
    }

    /**
     * B^T d for six values d0..d5 (of a patch column, or of a row of B^T d), written at
     * dst[at + k * stride]: 4 d0 - 5 d2 + d4, then (d4 - 4 d2) +- (d3 - 4 d1), then
     * (d4 - d2) +- 2 (d3 - d1), and 4 d1 - 5 d3 + d5.
     */
    private static void inputRows(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, FloatVector d4, FloatVector d5, float[] dst, int at,
                                  int stride) {
        FloatVector a = d2.mul(-4f).add(d4);
        FloatVector b = d1.mul(-4f).add(d3);
        FloatVector c = d4.sub(d2);
        FloatVector e = d3.sub(d1).mul(2f);
        d0.mul(4f).add(d2.mul(-5f)).add(d4).intoArray(dst, at);
        a.add(b).intoArray(dst, at + stride);
        a.sub(b).intoArray(dst, at + 2 * stride);
        c.add(e).intoArray(dst, at + 3 * stride);
        c.sub(e).intoArray(dst, at + 4 * stride);
        d1.mul(4f).add(d3.mul(-5f)).add(d5).intoArray(dst, at + 5 * stride);
    }

    /** {@link #inputRows} for one tile. */
    private static void inputRows(float[] d, float[] dst, int at, int stride) {
        float a = d[2] * -4f + d[4];
        float b = d[1] * -4f + d[3];
        float c = d[4] - d[2];
        float e = (d[3] - d[1]) * 2f;
        dst[at] = d[0] * 4f + d[2] * -5f + d[4];
        dst[at + stride] = a + b;
        dst[at + 2 * stride] = a - b;
        dst[at + 3 * stride] = c + e;
        dst[at + 4 * stride] = c - e;
        dst[at + 5 * stride] = d[1] * 4f + d[3] * -5f + d[5];
    }

    /**
     * y[oc][4ty + i][4tx + j] = (A^T M A)[i][j] for the 4x4 output block of each tile t of planes
     * output channels, M[e][oc][t] at m[mo + e * ldE + oc * ldC + t], clipped to the output (the
     * first plane at yAt); the blocks go through flat (scratch of {@link #flatFloats} floats), 16
     * arrays indexed by tile, on their way to the interleaved rows.
     */
    static void transformOutput(float[] m, int mo, int ldE, int ldC, int planes, ConvShape s, int th, int tw, float[] y, int yAt, float[] flat) {
        int ho = s.ho();
        int wo = s.wo();
        int tiles = th * tw;
        int tmp = 16 * tiles;
        // planes of a vector of tiles or more run wholly in vectors; smaller ones wholly in scalars
        int vectorEnd = tiles >= L ? tiles : 0;
        float[] r = new float[24];
        float[] q = new float[6];
        for (int oc = 0; oc < planes; oc++) {
            int in = mo + oc * ldC;
            for (int t0 = 0; t0 < vectorEnd; t0 += L) {
                int t = Math.min(t0, tiles - L);
                // A^T down each column of M, into tmp[6 * k + j]
                for (int j = 0; j < 6; j++) {
                    int at = in + j * ldE + t;
                    outputRows(FloatVector.fromArray(S, m, at), FloatVector.fromArray(S, m, at + 6 * ldE), FloatVector.fromArray(S, m, at + 12 * ldE),
                            FloatVector.fromArray(S, m, at + 18 * ldE), FloatVector.fromArray(S, m, at + 24 * ldE), FloatVector.fromArray(S, m, at + 30 * ldE),
                            flat, tmp + j * L, 6 * L);
                }
                // then along each row, block value (k, l) of tile t to flat[(4k + l) * tiles + t]
                for (int k = 0; k < 4; k++) {
                    int at = tmp + 6 * k * L;
                    outputRows(FloatVector.fromArray(S, flat, at), FloatVector.fromArray(S, flat, at + L), FloatVector.fromArray(S, flat, at + 2 * L),
                            FloatVector.fromArray(S, flat, at + 3 * L), FloatVector.fromArray(S, flat, at + 4 * L), FloatVector.fromArray(S, flat, at + 5 * L),
                            flat, 4 * k * tiles + t, tiles);
                }
            }
            for (int t = vectorEnd; t < tiles; t++) {
                for (int j = 0; j < 6; j++) {
                    for (int i = 0; i < 6; i++) {
                        q[i] = m[in + (6 * i + j) * ldE + t];
                    }
                    outputRows(q, r, j, 6);
                }
                for (int k = 0; k < 4; k++) {
                    System.arraycopy(r, 6 * k, q, 0, 6);
                    outputRows(q, flat, 4 * k * tiles + t, tiles);
                }
            }
            int plane = yAt + oc * s.l();
            for (int oy = 0; oy < ho; oy++) {
                int rowAt = (oy & 3) * 4 * tiles + (oy >> 2) * tw;
                int dst = plane + oy * wo;
                for (int l = 0; l < 4; l++) {
                    int from = rowAt + l * tiles;
                    for (int tx = 0; 4 * tx + l < wo; tx++) {
                        y[dst + 4 * tx + l] = flat[from + tx];
                    }
                }
            }
        }
    }

    /**
     * A^T q for six values q0..q5, written at dst[at + k * stride]: with p = q1 + q2,
     * r = q1 - q2, u = q3 + q4, w = q3 - q4: q0 + p + u, r + 2 w, p + 4 u, r + 8 w + q5.
     */
    private static void outputRows(FloatVector q0, FloatVector q1, FloatVector q2, FloatVector q3, FloatVector q4, FloatVector q5, float[] dst, int at,
                                   int stride) {
        FloatVector p = q1.add(q2);
        FloatVector r = q1.sub(q2);
        FloatVector u = q3.add(q4);
        FloatVector w = q3.sub(q4);
        q0.add(p).add(u).intoArray(dst, at);
        w.mul(2f).add(r).intoArray(dst, at + stride);
        u.mul(4f).add(p).intoArray(dst, at + 2 * stride);
        w.mul(8f).add(r).add(q5).intoArray(dst, at + 3 * stride);
    }

    /** {@link #outputRows} for one tile. */
    private static void outputRows(float[] q, float[] dst, int at, int stride) {
        float p = q[1] + q[2];
        float r = q[1] - q[2];
        float u = q[3] + q[4];
        float w = q[3] - q[4];
        dst[at] = q[0] + p + u;
        dst[at + stride] = w * 2f + r;
        dst[at + 2 * stride] = u * 4f + p;
        dst[at + 3 * stride] = w * 8f + r + q[5];
    }
}
