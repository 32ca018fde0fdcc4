package panface.tensor.cpu.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.runtime.NativeScratch;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Winograd's F(2x2, 3x3) (see {@link ConvWinograd}) with the transformed weight packed once
 * ({@link ConvPackedWeight} of 16 batches, one per transformed position e, each o x c), so that
 * a call does no weight work. An image goes in blocks of whole rows of tiles (about
 * {@link #BLOCK_TILES} tiles): the block's input is transformed into V[e][c][t], each of the 16
 * products M[e] = U[e] V[e] packs V[e] a depth block at a time, and the output transform writes
 * the block's rows of the output, to which the epilogue is applied at once. Transformed input and
 * output of a block stay in the caches between the steps, where the whole image's would go
 * through memory (at 112 x 112, 13 MB each). The transforms run along a row of tiles with the
 * Vector API: each input row is first split into its even and odd columns, so that the four
 * columns of a tile's patch are contiguous loads at tile offsets 0 and 1.
 */
final class ConvWinogradPacked {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Tiles per block: a few panels of the kernel for each product, the block's V and M still in the second-level cache. */
    static final int BLOCK_TILES = 96;

    private ConvWinogradPacked() {
    }

    /** y at yo = conv(x at xo, the weight whose transform u holds) with f's parts fused. */
    static void forward(float[] x, int xo, ConvPackedWeight u, float[] y, int yo, ConvShape s, ConvFused f) {
        int th = (s.ho() + 1) / 2;
        int tw = (s.wo() + 1) / 2;
        int rowsPerBlock = Math.clamp(Math.round((float) BLOCK_TILES / tw), 1, th);
        Plan plan = new Plan(s, u, f, tw, th, rowsPerBlock, (th + rowsPerBlock - 1) / rowsPerBlock);
        int threads = Parallel.threads();
        int base = s.n() * plan.blocks;
        int oParts = base >= threads ? 1 : Math.max(1, Math.min((threads + base - 1) / base, s.o() / 16));
        if (oParts == 1) {
            Parallel.forRange(base, 1, (lo, hi) -> plan.run(x, xo, y, yo, lo, hi, 1, null));
            return;
        }
        // fewer blocks than threads (batch 1 from 14x14 down): the threads transform the block's
        // input together, split by channels, then each multiplies and transforms back its share
        // of the output channels, instead of each transforming the whole input
        float[] v = shared(16 * s.c() * plan.maxTiles());
        for (int unit = 0; unit < base; unit++) {
            int n = unit / plan.blocks;
            int b = unit % plan.blocks;
            Parallel.forRange(s.c(), 8, (c0, c1) -> plan.transformInput(x, xo + n * s.c() * s.hw(), v, b, c0, c1));
            int first = unit * oParts;
            Parallel.forRange(oParts, 1, (lo, hi) -> plan.run(x, xo, y, yo, first + lo, first + hi, oParts, v));
        }
    }

    private static final ThreadLocal<float[]> SHARED = new ThreadLocal<>();

    /** The calling thread's buffer for a block's transformed input shared with the pool (contents stale). */
    private static float[] shared(int n) {
        float[] a = SHARED.get();
        if (a == null || a.length < n) {
            a = new float[n];
            SHARED.set(a);
        }
        return a;
    }

    /** One convolution's blocking: blocks of rowsPerBlock rows of tiles, maxTiles tiles at most. */
    private record Plan(ConvShape s, ConvPackedWeight u, ConvFused f, int tw, int th, int rowsPerBlock, int blocks) {
        int maxTiles() {
            return rowsPerBlock * tw;
        }

        void transformInput(float[] x, int xImg, float[] v, int b, int c0, int c1) {
            float[] rows = new float[2 * (2 * rowsPerBlock + 2) * (tw + 1 + S.length())];
            ConvWinogradPacked.transformInput(x, xImg, s, f, v, b * rowsPerBlock, Math.min(th, (b + 1) * rowsPerBlock), tw, rows, c0, c1);
        }

        /**
         * Units [lo, hi) of (image, block, share of the output channels among oParts), with the
         * block's transformed input in shared, or transformed here when shared is null.
         */
        void run(float[] x, int xo, float[] y, int yo, int lo, int hi, int oParts, float[] shared) {
            int c = s.c();
            int o = s.o();
            int vSize = shared == null ? 16 * c * maxTiles() : 0;
            float[] buf = ConvTiles.scratch(vSize + 16 * o * maxTiles());
            float[] rows = new float[2 * (2 * rowsPerBlock + 2) * (tw + 1 + S.length())];
            float[] tmp = new float[4 * (tw + S.length())];
            NativeScratch.Buffer pa = NativeScratch.take(ConvProduct.packFloats(u, maxTiles()));
            try {
                for (int unit = lo; unit < hi; unit++) {
                    int op = unit % oParts;
                    int b = unit / oParts % blocks;
                    int n = unit / oParts / blocks;
                    int o0 = Gemm.bound(o, oParts, op, 4);
                    int o1 = Gemm.bound(o, oParts, op + 1, 4);
                    if (o1 <= o0) {
                        continue;
                    }
                    int ty0 = b * rowsPerBlock;
                    int ty1 = Math.min(th, ty0 + rowsPerBlock);
                    int tiles = (ty1 - ty0) * tw;
                    int rowsOut = o1 - o0;
                    if (shared == null) {
                        ConvWinogradPacked.transformInput(x, xo + n * c * s.hw(), s, f, buf, ty0, ty1, tw, rows, 0, c);
                    }
                    float[] v = shared == null ? buf : shared;
                    for (int e = 0; e < 16; e++) {
                        int ve = e * c * tiles;
                        ConvProduct.multiply(u, e, o0, o1, tiles, (k0, k1, dst) -> ConvProduct.packRows(v, ve, tiles, k0, k1, tiles, dst),
                                buf, vSize + e * rowsOut * tiles, tiles, pa.segment());
                    }
                    int yImg = yo + (n * o + o0) * s.l();
                    transformOutput(buf, vSize, rowsOut, s, ty0, ty1, tw, y, yImg, tmp);
                    if (f != null) {
                        int p0 = 2 * ty0 * s.wo();
                        int p1 = Math.min(s.ho(), 2 * ty1) * s.wo();
                        f.rows(y, yImg + p0, s.l(), o0, o1, p1 - p0);
                    }
                }
            } finally {
                NativeScratch.give(pa);
            }
        }
    }

    /**
     * V[e][ci][t] (t counted from the block's first tile) = (B^T d B)[e] for the 4x4 patches d of
     * the tiles in rows [ty0, ty1), the prologue applied and the padding zero. rows is scratch for
     * the even and odd columns of the block's input rows.
     */
    private static void transformInput(float[] x, int xImg, ConvShape s, ConvFused f, float[] v, int ty0, int ty1, int tw, float[] rows, int c0,
                                       int c1) {
        int c = s.c();
        int h = s.h();
        int w = s.w();
        int ph = s.p().ph();
        int pw = s.p().pw();
        int tiles = (ty1 - ty0) * tw;
        int span = tw + 1 + S.length();
        int inRows = 2 * (ty1 - ty0) + 2;
        boolean affine = f != null && f.hasPrologue();
        int bound = S.loopBound(tw);
        for (int ci = c0; ci < c1; ci++) {
            int plane = xImg + ci * h * w;
            float a = affine ? f.inScale(ci) : 1f;
            float sh = affine ? f.inShift(ci) : 0f;
            for (int r = 0; r < inRows; r++) {
                int iy = 2 * ty0 - ph + r;
                int ev = 2 * r * span;
                java.util.Arrays.fill(rows, ev, ev + 2 * span, 0f);
                if (iy < 0 || iy >= h) {
                    continue;
                }
                // input column ix is padded column j = ix + pw: even half at j / 2, odd half at span + j / 2
                int src = plane + iy * w;
                int end = Math.min(w, 2 * tw + 2 - pw);
                for (int ix = Math.max(0, -pw); ix < end; ix++) {
                    int j = ix + pw;
                    rows[ev + (j & 1) * span + (j >> 1)] = Math.fma(x[src + ix], a, sh);
                }
            }
            int stride = c * tiles;
            for (int ty = ty0; ty < ty1; ty++) {
                int r0 = 2 * (2 * (ty - ty0)) * span;
                int at = ci * tiles + (ty - ty0) * tw;
                int tx = 0;
                for (; tx < bound; tx += S.length()) {
                    int rt = r0 + tx;
                    for (int j = 0; j < 4; j++) {
                        FloatVector q0 = term(rows, rt, span, j);
                        FloatVector q1 = term(rows, rt + 2 * span, span, j);
                        FloatVector q2 = term(rows, rt + 4 * span, span, j);
                        FloatVector q3 = term(rows, rt + 6 * span, span, j);
                        q0.sub(q2).intoArray(v, j * stride + at + tx);
                        q1.add(q2).intoArray(v, (4 + j) * stride + at + tx);
                        q2.sub(q1).intoArray(v, (8 + j) * stride + at + tx);
                        q1.sub(q3).intoArray(v, (12 + j) * stride + at + tx);
                    }
                }
                for (; tx < tw; tx++) {
                    float[] q = new float[16];
                    for (int i = 0; i < 4; i++) {
                        int ev = r0 + 2 * i * span + tx;
                        int od = ev + span;
                        q[4 * i] = rows[ev] - rows[ev + 1];
                        q[4 * i + 1] = rows[od] + rows[ev + 1];
                        q[4 * i + 2] = rows[ev + 1] - rows[od];
                        q[4 * i + 3] = rows[od] - rows[od + 1];
                    }
                    for (int j = 0; j < 4; j++) {
                        v[j * stride + at + tx] = q[j] - q[8 + j];
                        v[(4 + j) * stride + at + tx] = q[4 + j] + q[8 + j];
                        v[(8 + j) * stride + at + tx] = q[8 + j] - q[4 + j];
                        v[(12 + j) * stride + at + tx] = q[4 + j] - q[12 + j];
                    }
                }
            }
        }
    }

    /**
     * The output rows of tile rows [ty0, ty1) for the rowsOut channels of M (at mo, M[e][oc][t]):
     * (A^T M A) along each row of tiles with the Vector API, the two columns of each tile then
     * interleaved into the output rows (tmp: scratch for four rows of tw values).
     */
    private static void transformOutput(float[] m, int mo, int rowsOut, ConvShape s, int ty0, int ty1, int tw, float[] y, int yImg, float[] tmp) {
        int tiles = (ty1 - ty0) * tw;
        int stride = rowsOut * tiles;
        int ho = s.ho();
        int wo = s.wo();
        int span = tw + S.length();
        for (int oc = 0; oc < rowsOut; oc++) {
            int plane = yImg + oc * s.l();
            for (int ty = ty0; ty < ty1; ty++) {
                ConvWinogradTiles.outputCorners(m, mo + oc * tiles + (ty - ty0) * tw, stride, tw, tmp, span);
                int oy = 2 * ty;
                interleave(tmp, 0, span, y, plane + oy * wo, wo);
                if (oy + 1 < ho) {
                    interleave(tmp, 2 * span, 3 * span, y, plane + (oy + 1) * wo, wo);
                }
            }
        }
    }

    /**
     * Column j of (d B) for a row of patches along a row of tiles: the row's even columns at ev
     * and its odd columns at ev + span, so that a tile's patch columns are even[t], odd[t],
     * even[t + 1] and odd[t + 1].
     */
    private static FloatVector term(float[] rows, int ev, int span, int j) {
        FloatVector e1 = FloatVector.fromArray(S, rows, ev + 1);
        FloatVector o0 = FloatVector.fromArray(S, rows, ev + span);
        return switch (j) {
            case 0 -> FloatVector.fromArray(S, rows, ev).sub(e1);
            case 1 -> o0.add(e1);
            case 2 -> e1.sub(o0);
            default -> o0.sub(FloatVector.fromArray(S, rows, ev + span + 1));
        };
    }

    /** y[at + 2i] = tmp[even + i], y[at + 2i + 1] = tmp[odd + i] for the wo columns of a row. */
    private static void interleave(float[] tmp, int even, int odd, float[] y, int at, int wo) {
        int pairs = wo / 2;
        for (int i = 0; i < pairs; i++) {
            y[at + 2 * i] = tmp[even + i];
            y[at + 2 * i + 1] = tmp[odd + i];
        }
        if ((wo & 1) != 0) {
            y[at + wo - 1] = tmp[even + pairs];
        }
    }
}
