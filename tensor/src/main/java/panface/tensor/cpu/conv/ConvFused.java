package panface.tensor.cpu.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.backend.ConvEpilogueView;
import panface.tensor.View;
import panface.tensor.cpu.elementwise.CopyKernels;
import panface.tensor.cpu.runtime.Ref;

/**
 * A {@link ConvEpilogueView} read into float arrays for the float kernels: the input's per-channel
 * scale and shift (applied while unfolding) and the output's scale, shift, PReLU or ReLU and
 * residual, applied to rows of the output (one channel's run of positions) as soon as they are
 * final, while they are in cache.
 */
final class ConvFused {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    final float[] inScale;
    final float[] inShift;
    private final float[] scale;
    private final float[] shift;
    private final float[] slope;
    private final boolean relu;
    private final float[] residual;
    private final int residualOffset;
    /** The output's offset, so that a position of the output finds its residual. */
    private final int outOffset;

    private ConvFused(ConvEpilogueView e, View out) {
        inScale = floats(e.inScale());
        inShift = floats(e.inShift());
        scale = floats(e.scale());
        shift = floats(e.shift());
        slope = floats(e.slope());
        relu = e.relu();
        residual = e.residual() == null ? null : Ref.storage(e.residual()).floats();
        residualOffset = e.residual() == null ? 0 : e.residual().offset();
        outOffset = out.offset();
    }

    /** The fused work of e on out, or null when there is none. */
    static ConvFused of(ConvEpilogueView e, View out) {
        if (e == null || (!e.hasPrologue() && e.scale() == null && e.shift() == null && e.slope() == null && !e.relu() && e.residual() == null)) {
            return null;
        }
        return new ConvFused(e, out);
    }

    private static float[] floats(View t) {
        return t == null ? null : CopyKernels.toFloats(t);
    }

    boolean hasPrologue() {
        return inScale != null || inShift != null;
    }

    /** The input's value v of channel ch as the convolution sees it. */
    float in(float v, int ch) {
        return v * (inScale == null ? 1f : inScale[ch]) + (inShift == null ? 0f : inShift[ch]);
    }

    float inScale(int ch) {
        return inScale == null ? 1f : inScale[ch];
    }

    float inShift(int ch) {
        return inShift == null ? 0f : inShift[ch];
    }

    /**
     * Applies the output's parts to rows [o0, o1) of y (row o at yo + (o - o0) * ld, len floats),
     * row o being output channel o; the same positions of the residual sit at the same offsets
     * from the start of the output.
     */
    void rows(float[] y, int yo, int ld, int o0, int o1, int len) {
        if (scale == null && shift == null && slope == null && !relu && residual == null) {
            return;
        }
        for (int ch = o0; ch < o1; ch++) {
            row(y, yo + (ch - o0) * ld, len, ch);
        }
    }

    private void row(float[] y, int at, int len, int ch) {
        float sc = scale == null ? 1f : scale[ch];
        float sh = shift == null ? 0f : shift[ch];
        boolean act = slope != null || relu;
        float sl = slope != null ? slope[ch] : 0f;
        int ro = residualOffset + (at - outOffset);
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, y, at + i).fma(sc, sh);
            if (act) {
                v = v.blend(v.mul(sl), v.compare(VectorOperators.LT, 0f));
            }
            if (residual != null) {
                v = v.add(FloatVector.fromArray(S, residual, ro + i));
            }
            v.intoArray(y, at + i);
        }
        for (; i < len; i++) {
            float v = Math.fma(y[at + i], sc, sh);
            if (act && v < 0f) {
                v *= sl;
            }
            if (residual != null) {
                v += residual[ro + i];
            }
            y[at + i] = v;
        }
    }
}
