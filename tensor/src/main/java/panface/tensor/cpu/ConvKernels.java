package panface.tensor.cpu;

import panface.tensor.ConvEpilogue;
import panface.tensor.RuntimeConfig;
import panface.tensor.Tensor;
import panface.tensor.backend.Conv2dParams;

/**
 * The CPU's convolution entry points: float32 contiguous operands go to the direct kernel or the
 * GEMM kernel by shape ({@link ConvShape}); anything else is declined, and the caller unfolds and
 * multiplies (float64 stays there: it has no fast kernel and dgemm serves it well enough).
 * {@code -Dpanface.conv.kernels=false} declines everything, for before-and-after timings.
 */
final class ConvKernels {
    private static final boolean ENABLED = RuntimeConfig.startup().convKernels();
    private ConvKernels() {
    }

    private static float[] floats(Tensor t) {
        return Ref.storage(t).floats();
    }

    private static boolean epilogueFits(ConvEpilogue e, Tensor out) {
        if (e == null) {
            return true;
        }
        for (Tensor t : new Tensor[] {e.inScale(), e.inShift(), e.scale(), e.shift(), e.slope()}) {
            if (t != null && t.dim() != 1) {
                return false;
            }
        }
        Tensor r = e.residual();
        return r == null || (VecElementwise.f32Contiguous(r) && java.util.Arrays.equals(r.shape(), out.shape()));
    }

    static boolean forward(Tensor x, Tensor w, Conv2dParams p, int groups, ConvEpilogue e, Tensor out) {
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
    static boolean forwardPrepared(Tensor x, ConvPrepared w, ConvEpilogue e, Tensor out) {
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

    static boolean backwardInput(Tensor gy, Tensor w, Conv2dParams p, int groups, Tensor gx) {
        if (!ENABLED || !VecElementwise.f32Contiguous(gy, w, gx)) {
            return false;
        }
        ConvShape s = ConvShape.of(gx.shape(), w.shape(), p, groups);
        if (s.direct()) {
            ConvDirect.backwardInput(floats(gy), gy.offset(), floats(w), w.offset(), floats(gx), gx.offset(), s);
        } else {
            ConvGemm.backwardInput(floats(gy), gy.offset(), floats(w), w.offset(), floats(gx), gx.offset(), s);
        }
        return true;
    }

    static boolean backwardWeight(Tensor gy, Tensor x, Conv2dParams p, int groups, Tensor gw) {
        if (!ENABLED || !VecElementwise.f32Contiguous(gy, x, gw)) {
            return false;
        }
        ConvShape s = ConvShape.of(x.shape(), gw.shape(), p, groups);
        if (s.direct()) {
            ConvDirect.backwardWeight(floats(gy), gy.offset(), floats(x), x.offset(), floats(gw), gw.offset(), s);
        } else {
            ConvGemm.backwardWeight(floats(gy), gy.offset(), floats(x), x.offset(), floats(gw), gw.offset(), s);
        }
        return true;
    }
}
