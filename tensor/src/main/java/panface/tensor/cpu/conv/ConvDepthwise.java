package panface.tensor.cpu.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.runtime.Parallel;

/**
 * Float depthwise convolution (as many output as input channels per group, at most a few:
 * MobileFaceNet's 3x3 layers at stride 1 and 2, and its 2-channel groups) with the Vector API. Each input plane is first copied, the prologue
 * applied, into a zero-bordered scratch plane (at stride 2 split into its even and odd columns),
 * so that every tap of a run of outputs is one contiguous load with no bounds to check; then each
 * run of a row of outputs sums all its taps in a register and is stored once. The loops of
 * {@link ConvDirect} instead add one tap at a time onto the output row (reading and writing it
 * once per tap, with each row's window bounds worked out per tap): about four times the memory
 * traffic for the same arithmetic, which is little.
 */
final class ConvDepthwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ConvDepthwise() {
    }

    /** As many output as input channels per group (at most {@link ConvShape#DIRECT_CHANNELS}), stride 1 or 2 (the same both ways), no dilation. */
    static boolean suits(ConvShape s) {
        Conv2dParams p = s.p();
        return s.groups() > 1 && s.og() == s.cg() && s.cg() <= ConvShape.DIRECT_CHANNELS && p.dh() == 1 && p.dw() == 1 && p.sh() == p.sw()
                && (p.sh() == 1 || p.sh() == 2);
    }

    /** y at yo = conv(x at xo, weight at wOff) with f's parts fused. */
    static void forward(float[] x, int xo, float[] wt, int wOff, float[] y, int yo, ConvShape s, ConvFused f) {
        Conv2dParams p = s.p();
        int st = p.sh();
        int kh = p.kh();
        int kw = p.kw();
        int ho = s.ho();
        int wo = s.wo();
        int lanes = S.length();
        int vecCols = (wo + lanes - 1) / lanes * lanes;
        // columns of a scratch row: at stride 1 the padded row; at stride 2 each of its halves
        int span = st == 1 ? vecCols + kw - 1 : vecCols + (kw + 1) / 2;
        int rows = (ho - 1) * st + kh;
        int rowFloats = st * span;
        int cg = s.cg();
        int planeFloats = rows * rowFloats;
        Parallel.forRange(s.n() * s.o(), Math.max(1, 4096 / Math.max(1, s.l() * s.kk() * cg)), (lo, hi) -> {
            float[] planes = new float[cg * planeFloats];
            float[] out = new float[vecCols];
            int filled = -1;
            for (int u = lo; u < hi; u++) {
                int n = u / s.o();
                int oc = u % s.o();
                int g = oc / s.og();
                int c0 = g * cg;
                // the output channels of a group read the same input planes: fill them once per group
                if (filled != n * s.groups() + g) {
                    for (int ci = 0; ci < cg; ci++) {
                        fill(x, xo + (n * s.c() + c0 + ci) * s.hw(), s, c0 + ci, f, planes, ci * planeFloats, rows, span);
                    }
                    filled = n * s.groups() + g;
                }
                int wAt = wOff + oc * cg * kh * kw;
                int yp = yo + u * s.l();
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < vecCols; ox += lanes) {
                        FloatVector acc = FloatVector.zero(S);
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ki = 0; ki < kh; ki++) {
                                int row = ci * planeFloats + (oy * st + ki) * rowFloats;
                                int wr = wAt + (ci * kh + ki) * kw;
                                for (int kj = 0; kj < kw; kj++) {
                                    int at = st == 1 ? row + ox + kj : row + (kj & 1) * span + ox + (kj >> 1);
                                    acc = FloatVector.fromArray(S, planes, at).fma(FloatVector.broadcast(S, wt[wr + kj]), acc);
                                }
                            }
                        }
                        acc.intoArray(out, ox);
                    }
                    System.arraycopy(out, 0, y, yp + oy * wo, wo);
                }
                if (f != null) {
                    f.rows(y, yp, s.l(), oc, oc + 1, s.l());
                }
            }
        });
    }

    /**
     * The rows of a zero-bordered copy of one input plane (channel ch, prologue applied) that the
     * outputs read: row r is input row r - ph; at stride 1 column j is input column j - pw, at
     * stride 2 the even columns come first (j: input column 2j - pw) and the odd ones span later.
     */
    private static void fill(float[] x, int xp, ConvShape s, int ch, ConvFused f, float[] plane, int from, int rows, int span) {
        Conv2dParams p = s.p();
        int st = p.sh();
        int h = s.h();
        int w = s.w();
        float a = f == null ? 1f : f.inScale(ch);
        float b = f == null ? 0f : f.inShift(ch);
        int rowFloats = st * span;
        for (int r = 0; r < rows; r++) {
            int iy = r - p.ph();
            int at = from + r * rowFloats;
            java.util.Arrays.fill(plane, at, at + rowFloats, 0f);
            if (iy < 0 || iy >= h) {
                continue;
            }
            int src = xp + iy * w;
            if (st == 1) {
                int end = Math.min(w, span - p.pw());
                for (int ix = Math.max(0, -p.pw()); ix < end; ix++) {
                    plane[at + ix + p.pw()] = Math.fma(x[src + ix], a, b);
                }
            } else {
                // padded column j = ix + pw goes to half j & 1, column j >> 1 of it
                int end = Math.min(w, 2 * span - p.pw());
                for (int ix = Math.max(0, -p.pw()); ix < end; ix++) {
                    int j = ix + p.pw();
                    plane[at + (j & 1) * span + (j >> 1)] = Math.fma(x[src + ix], a, b);
                }
            }
        }
    }
}
