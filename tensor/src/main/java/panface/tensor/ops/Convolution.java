package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import panface.tensor.Autocast;
import panface.tensor.ConvEpilogue;
import panface.tensor.PreparedConv;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.Conv2dParams;

/**
 * 2-D convolution: the backend's direct kernels where it has them (the CPU's float32 kernels,
 * forward and both gradients, the input never unfolded as a whole), else unfold (im2col) +
 * grouped GEMM, each differentiable. Also the inference-only fused form (see {@link ConvEpilogue}).
 */
public final class Convolution {
    private Convolution() {
    }

    /** x (N, C, H, W) unfolded to (N, C*kh*kw, Ho*Wo); its gradient folds back with col2im. */
    public static Tensor unfold(Tensor x, Conv2dParams p) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("unfold expects (N, C, H, W), got " + x.describe());
        }
        int n = x.size(0);
        int c = x.size(1);
        int ho = p.outH(x.size(2));
        int wo = p.outW(x.size(3));
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException("convolution window " + p + " does not fit input " + x.describe());
        }
        Tensor cols = x.newEmpty(x.dtype(), n, c * p.kh() * p.kw(), ho * wo);
        x.backend().im2col(x.detach().asView(), p, operand(cols));
        if (!GradMode.needsGrad(x)) {
            return cols;
        }
        int[] xs = x.shape();
        return cols.withGradFn(new Node("unfold", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().col2im(g.contiguous().asView(), p, operand(gx));
                return new Tensor[] {gx};
            }
        });
    }

    /** PyTorch's conv2d. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        x = Autocast.forProduct(x);
        weight = Autocast.forProduct(weight);
        bias = Autocast.forProduct(bias);
        Conv2dParams p = check(x, weight, stride, padding, dilation, groups);
        int o = weight.size(0);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != o)) {
            throw new IllegalArgumentException("conv2d: bias " + bias.describe() + " must have " + o + " elements");
        }
        Tensor direct = direct(x, weight, p, groups, ConvEpilogue.bias(bias == null ? null : bias.detach().contiguous()));
        if (direct == null) {
            return unfolded(x, weight, p, groups, bias);
        }
        if (!GradMode.needsGrad(x, weight, bias)) {
            return direct;
        }
        // the backward reads the input and weight through input(i): an input that its producer
        // can recompute (a BatchNorm or PReLU output) need not be kept for it
        Node node = new Node("conv2d", x, weight, bias) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gy = g.contiguous();
                Tensor xs = input(0);
                Tensor ws = input(1);
                Tensor gx = needs(0) ? inputGrad(gy, ws, p, groups, xs.shape()) : null;
                Tensor gw = needs(1) ? weightGrad(gy, xs, p, groups, ws.shape()) : null;
                Tensor gb = needs(2) ? gy.sum(new int[] {0, 2, 3}, false) : null;
                return new Tensor[] {gx, gw, gb};
            }
        };
        return direct.withGradFn(node.readsValuesOnDemand().needsNoValuesOf(2));
    }

    /**
     * Inference-only convolution with the work of an epilogue fused (see {@link ConvEpilogue}):
     * no gradient is recorded. Backends without a fused path compute the same with separate ops.
     */
    public static Tensor conv2dFused(Tensor x, Tensor weight, int[] stride, int[] padding, int[] dilation, int groups, ConvEpilogue e) {
        return fused(x, weight, null, check(x, weight, stride, padding, dilation, groups), groups, e);
    }

    /** As {@link #conv2dFused(Tensor, Tensor, int[], int[], int[], int, ConvEpilogue)} with a prepared weight. */
    public static Tensor conv2dFused(Tensor x, PreparedConv w, ConvEpilogue e) {
        Tensor weight = w.weight();
        check(x, weight, w.stride(), w.padding(), w.dilation(), w.groups());
        return fused(x, weight, w, w.params(), w.groups(), e);
    }

    private static Tensor fused(Tensor x, Tensor weight, PreparedConv prepared, Conv2dParams p, int groups, ConvEpilogue e) {
        int c = x.size(1);
        int o = weight.size(0);
        channels("inScale", e.inScale(), c);
        channels("inShift", e.inShift(), c);
        channels("scale", e.scale(), o);
        channels("shift", e.shift(), o);
        channels("slope", e.slope(), o);
        try (var g = GradMode.noGrad()) {
            Tensor r = e.residual() == null ? null : e.residual().detach().contiguous();
            ConvEpilogue ce = new ConvEpilogue(vec(e.inScale()), vec(e.inShift()), vec(e.scale()), vec(e.shift()), vec(e.slope()), e.relu(), r);
            boolean plain = Autocast.forProduct(x) == x && Autocast.forProduct(weight) == weight;
            Tensor y = plain && prepared != null && prepared.isPrepared() ? direct(x, prepared, p, ce) : null;
            y = y == null && plain ? direct(x, weight, p, groups, ce) : y;
            return y != null ? y : unfused(x, weight, p, groups, ce);
        }
    }

    /** The backend's convolution with a prepared weight, or null when it has no such path for these operands. */
    private static Tensor direct(Tensor x, PreparedConv w, Conv2dParams p, ConvEpilogue e) {
        Tensor weight = w.weight();
        Tensor y = x.newEmpty(x.dtype(), x.size(0), weight.size(0), p.outH(x.size(2)), p.outW(x.size(3)));
        if (y.numel() == 0 || x.dtype() != weight.dtype() || !x.device().equals(weight.device())) {
            return null;
        }
        return y.backend().conv2dPrepared(x.detach().contiguous().asView(), w.prepared(), e.views(), operand(y)) ? y : null;
    }

    private static Tensor vec(Tensor t) {
        return t == null ? null : t.detach().contiguous();
    }

    private static void channels(String name, Tensor t, int n) {
        if (t != null && (t.dim() != 1 || t.size(0) != n)) {
            throw new IllegalArgumentException("conv2dFused: " + name + " " + t.describe() + " must have " + n + " elements");
        }
    }

    /** conv2dFused computed as separate ops, for backends without the fused path. */
    private static Tensor unfused(Tensor x, Tensor weight, Conv2dParams p, int groups, ConvEpilogue e) {
        int c = x.size(1);
        int o = weight.size(0);
        Tensor in = x;
        if (e.hasPrologue()) {
            in = e.inScale() == null ? in : in.mul(e.inScale().reshape(1, c, 1, 1));
            in = e.inShift() == null ? in : in.add(e.inShift().reshape(1, c, 1, 1));
        }
        Tensor y = unfolded(in, weight, p, groups, null);
        y = e.scale() == null ? y : y.mul(e.scale().reshape(1, o, 1, 1));
        y = e.shift() == null ? y : y.add(e.shift().reshape(1, o, 1, 1));
        if (e.slope() != null) {
            y = Normalization.prelu(y, e.slope());
        } else if (e.relu()) {
            y = y.relu();
        }
        return e.residual() == null ? y : y.add(e.residual());
    }

    private static Conv2dParams check(Tensor x, Tensor weight, int[] stride, int[] padding, int[] dilation, int groups) {
        if (x.dim() != 4 || weight.dim() != 4) {
            throw new IllegalArgumentException("conv2d expects x (N, C, H, W) and weight (O, C/groups, kh, kw), got " + x.describe()
                    + " and " + weight.describe());
        }
        int c = x.size(1);
        int o = weight.size(0);
        if (groups <= 0 || c % groups != 0 || o % groups != 0 || weight.size(1) * groups != c) {
            throw new IllegalArgumentException("conv2d: input channels " + c + ", weight " + weight.describe() + " and groups " + groups
                    + " do not fit together");
        }
        Conv2dParams p = new Conv2dParams(weight.size(2), weight.size(3), stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1]);
        if (p.outH(x.size(2)) <= 0 || p.outW(x.size(3)) <= 0) {
            throw new IllegalArgumentException("convolution window " + p + " does not fit input " + x.describe());
        }
        return p;
    }

    /** The backend's direct convolution (no graph recorded), or null when it has none for these operands. */
    private static Tensor direct(Tensor x, Tensor weight, Conv2dParams p, int groups, ConvEpilogue e) {
        Tensor y = x.newEmpty(x.dtype(), x.size(0), weight.size(0), p.outH(x.size(2)), p.outW(x.size(3)));
        if (y.numel() == 0 || x.dtype() != weight.dtype() || !x.device().equals(weight.device())) {
            return null;
        }
        return y.backend().conv2d(x.detach().contiguous().asView(), weight.detach().contiguous().asView(), p, groups, e.views(), operand(y)) ? y : null;
    }

    /** The input's gradient (of shape xs) from a contiguous gy. */
    private static Tensor inputGrad(Tensor gy, Tensor weight, Conv2dParams p, int groups, int[] xs) {
        Tensor gx = gy.newEmpty(gy.dtype(), xs);
        if (gx.backend().conv2dBackwardInput(operand(gy), weight.contiguous().asView(), p, groups, operand(gx))) {
            return gx;
        }
        int n = xs[0];
        int o = weight.size(0);
        int kk = weight.size(1) * p.kh() * p.kw();
        int l = gy.size(2) * gy.size(3);
        Tensor cols = weight.reshape(groups, o / groups, kk).transpose(1, 2).matmul(gy.reshape(n, groups, o / groups, l));
        Tensor folded = gy.newZeros(gy.dtype(), xs);
        folded.backend().col2im(cols.reshape(n, groups * kk, l).contiguous().asView(), p, operand(folded));
        return folded;
    }

    /** The weight's gradient (of shape wshape) from a contiguous gy and the input x. */
    private static Tensor weightGrad(Tensor gy, Tensor x, Conv2dParams p, int groups, int[] wshape) {
        Tensor gw = gy.newEmpty(gy.dtype(), wshape);
        if (gw.backend().conv2dBackwardWeight(operand(gy), x.detach().contiguous().asView(), p, groups, operand(gw))) {
            return gw;
        }
        int n = x.size(0);
        int o = wshape[0];
        int kk = wshape[1] * p.kh() * p.kw();
        int l = gy.size(2) * gy.size(3);
        Tensor cols = unfold(x.detach(), p).reshape(n, groups, kk, l);
        return gy.reshape(n, groups, o / groups, l).matmul(cols.transpose(2, 3)).sum(new int[] {0}, false).reshape(wshape);
    }

    /** The convolution as unfold (im2col) + grouped GEMM + bias, each differentiable. */
    private static Tensor unfolded(Tensor x, Tensor weight, Conv2dParams p, int groups, Tensor bias) {
        int n = x.size(0);
        int o = weight.size(0);
        int ho = p.outH(x.size(2));
        int wo = p.outW(x.size(3));
        int kk = weight.size(1) * p.kh() * p.kw();
        Tensor cols = unfold(x, p).reshape(n, groups, kk, ho * wo);
        Tensor w = weight.reshape(groups, o / groups, kk);
        Tensor y = w.matmul(cols).reshape(n, o, ho, wo);
        return bias == null ? y : y.add(bias.reshape(1, o, 1, 1));
    }
}
