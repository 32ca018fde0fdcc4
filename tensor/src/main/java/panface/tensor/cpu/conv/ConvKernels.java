package panface.tensor.cpu.conv;

import panface.tensor.backend.ConvEpilogueView;
import panface.tensor.RuntimeConfig;
import panface.tensor.View;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.ArrayPool;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;

/**
 * The CPU's convolution entry points: float32 contiguous operands go to the direct kernel or the
 * GEMM kernel by shape ({@link ConvShape}); anything else is declined, and the caller unfolds and
 * multiplies (float64 stays there: it has no fast kernel and dgemm serves it well enough).
 * {@code -Dpanface.conv.kernels=false} declines everything, for before-and-after timings.
 */
public final class ConvKernels {
    private static final boolean ENABLED = RuntimeConfig.startup().convKernels();
    private ConvKernels() {
    }

    private static float[] floats(View t) {
        return Ref.storage(t).floats();
    }

    private static boolean epilogueFits(ConvEpilogueView e, View out) {
        if (e == null) {
            return true;
        }
        for (View t : new View[] {e.inScale(), e.inShift(), e.scale(), e.shift(), e.slope()}) {
            if (t != null && t.dim() != 1) {
                return false;
            }
        }
        View r = e.residual();
        return r == null || (VecElementwise.f32Contiguous(r) && java.util.Arrays.equals(r.shape(), out.shape()));
    }

    public static boolean forward(View x, View w, Conv2dParams p, int groups, ConvEpilogueView e, View out) {
        if (!ENABLED || !VecElementwise.f32Contiguous(x, w, out) || !epilogueFits(e, out)) {
            return false;
        }
        ConvShape s = ConvShape.of(x.shape(), w.shape(), p, groups);
        ConvFused f = ConvFused.of(e, out);
        if (s.direct()) {
            ConvDirect.forward(floats(x), x.offset(), floats(w), w.offset(), floats(out), out.offset(), s, f);
        } else if (ConvWinograd.suits(s)) {
            ConvWinograd.forward(floats(x), x.offset(), floats(w), w.offset(), floats(out), out.offset(), s, f);
        } else {
            ConvGemm.forward(floats(x), x.offset(), floats(w), w.offset(), floats(out), out.offset(), s, f);
        }
        return true;
    }

    /**
     * As {@link #forward} with a weight prepared by {@link ConvPrepared#of}: the packed forms of
     * the weight, made once, instead of the weight itself (see {@link ConvShape#algorithm}).
     */
    public static boolean forwardPrepared(View x, ConvPrepared w, ConvEpilogueView e, View out) {
        if (!ENABLED || w == null || !VecElementwise.f32Contiguous(x, out) || !epilogueFits(e, out)) {
            return false;
        }
        ConvShape s = ConvShape.of(x.shape(), w.weight().shape(), w.params(), w.groups());
        ConvFused f = ConvFused.of(e, out);
        ConvShape.Algorithm alg = s.algorithm(true);
        switch (alg) {
            case DIRECT -> ConvDirect.forward(floats(x), x.offset(), w.floats(), w.weight().offset(), floats(out), out.offset(), s, f);
            case WINOGRAD -> ConvWinogradPacked.forward(floats(x), x.offset(), w.winograd(), floats(out), out.offset(), s, f);
            default -> ConvGemm.forwardPacked(floats(x), x.offset(), w.gemm(), floats(out), out.offset(), s, f);
        }
        return true;
    }

    public static boolean backwardInput(View gy, View w, Conv2dParams p, int groups, View gx) {
        if (!ENABLED || !VecElementwise.f32Contiguous(gy, w, gx)) {
            return false;
        }
        ConvShape s = ConvShape.of(gx.shape(), w.shape(), p, groups);
        if (s.direct()) {
            ConvDirect.backwardInput(floats(gy), gy.offset(), floats(w), w.offset(), floats(gx), gx.offset(), s);
        } else if (!backwardInputWinograd(gy, w, p, s, gx)) {
            ConvGemm.backwardInput(floats(gy), gy.offset(), floats(w), w.offset(), floats(gx), gx.offset(), s);
        }
        return true;
    }

    /**
     * The input gradient of a 3x3 stride-1 convolution with padding 1 is itself such a
     * convolution: of the output gradient, with the weight's input and output channels swapped and
     * its taps turned by 180 degrees (padding k - 1 - p = 1). Where Winograd's algorithm pays off for
     * that convolution ({@link ConvWinograd#suits}) it computes the gradient with at least 2.25x fewer
     * multiplications than unfolding the output gradient; false where it does not apply.
     */
    private static boolean backwardInputWinograd(View gy, View w, Conv2dParams p, ConvShape s, View gx) {
        if (!s.winogradShape() || p.ph() != 1 || p.pw() != 1) {
            return false;
        }
        int o = s.o();
        int c = s.c();
        ConvShape t = ConvShape.of(gy.shape(), new int[] {c, o, 3, 3}, p, 1);
        if (!ConvWinograd.suits(t)) {
            return false;
        }
        float[] wt = floats(w);
        int wo = w.offset();
        float[] turned = ArrayPool.floats(o * c * 9);
        Parallel.forRange(c, Math.max(1, 4096 / o), (lo, hi) -> {
            for (int ci = lo; ci < hi; ci++) {
                for (int oc = 0; oc < o; oc++) {
                    int from = wo + (oc * c + ci) * 9;
                    int to = (ci * o + oc) * 9;
                    for (int k = 0; k < 9; k++) {
                        turned[to + 8 - k] = wt[from + k];
                    }
                }
            }
        });
        ConvWinograd.forward(floats(gy), gy.offset(), turned, 0, floats(gx), gx.offset(), t, null);
        ArrayPool.giveBack(turned);
        return true;
    }

    public static boolean backwardWeight(View gy, View x, Conv2dParams p, int groups, View gw) {
        if (!ENABLED || !VecElementwise.f32Contiguous(gy, x, gw)) {
            return false;
        }
        ConvShape s = ConvShape.of(x.shape(), gw.shape(), p, groups);
        if (s.direct()) {
            ConvDirect.backwardWeight(floats(gy), gy.offset(), floats(x), x.offset(), floats(gw), gw.offset(), s);
        } else if (ConvWinogradWeight.suits(s)) {
            ConvWinogradWeight.backwardWeight(floats(gy), gy.offset(), floats(x), x.offset(), floats(gw), gw.offset(), s);
        } else {
            ConvGemm.backwardWeight(floats(gy), gy.offset(), floats(x), x.offset(), floats(gw), gw.offset(), s);
        }
        return true;
    }
}
