package panface.nn.onnx;

import panface.tensor.ConvEpilogue;
import panface.tensor.F;
import panface.tensor.PreparedConv;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * A 2-D convolution with its epilogue, the form the importer gives Conv nodes:
 * y = act(conv(x, w) + b [+ residual]), where a BatchNormalization after the convolution is already
 * folded into w and b at load ({@link Fusion#foldBatchNorm}), act is nothing, ReLU, ReLU6, leaky
 * ReLU or PReLU with per-channel slopes, and residual is a tensor of the output's shape (the
 * skip connection of a residual block). ONNX's pads may differ before and after; the extra part
 * is padded explicitly.
 *
 * <p>{@link #convolve} is the one place that computes it. {@link #prepare()} (from
 * an inference plan of the model, {@link OnnxModel#compileInference}) prepares a constant weight once ({@link PreparedConv}:
 * packed for the GEMM kernel, Winograd-transformed where that is chosen), as the native models'
 * fused convolutions do, so an imported network runs the same kernels as ours.
 */
final class ConvKernel implements Kernel {
    /** The activation applied last. */
    enum Act { NONE, RELU, RELU6, LEAKY_RELU, PRELU }

    private final Tensor weight;
    private final Tensor bias;
    private final int[] stride;
    private final int[] pads;
    private final int[] dilation;
    private final int groups;
    private final Act act;
    private final double alpha;
    private final Tensor slope;
    private final boolean residual;

    /**
     * @param weight   (O, I/groups, kh, kw), or null when the weight is input 1 of the node
     * @param bias     (O), or null (then input 2 when given)
     * @param pads     top, left, bottom, right (ONNX's begin/end order)
     * @param alpha    the leaky ReLU's negative slope
     * @param slope    PReLU's slopes (1 or O values)
     * @param residual true when the last input is added before the activation
     */
    ConvKernel(Tensor weight, Tensor bias, int[] stride, int[] pads, int[] dilation, int groups, Act act, double alpha, Tensor slope,
               boolean residual) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride.clone();
        this.pads = pads.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.act = act;
        this.alpha = alpha;
        this.slope = slope == null ? null : slope.reshape(slope.numel()).contiguous();
        this.residual = residual;
    }

    /** The convolution of base (its window and groups) with a constant weight and bias. */
    ConvKernel(Tensor weight, Tensor bias, ConvKernel base) {
        this(weight, bias, base.stride, base.pads, base.dilation, base.groups, base.act, base.alpha, base.slope, base.residual);
    }

    ConvKernel withActivation(Act a, double negativeSlope, Tensor slopes) {
        return new ConvKernel(weight, bias, stride, pads, dilation, groups, a, negativeSlope, slopes, residual);
    }

    ConvKernel withResidual() {
        return new ConvKernel(weight, bias, stride, pads, dilation, groups, act, alpha, slope, true);
    }

    Act activation() {
        return act;
    }

    boolean hasResidual() {
        return residual;
    }

    /** Output channels when the weight is a constant, else -1. */
    int outChannels() {
        return weight == null ? -1 : weight.size(0);
    }

    @Override
    public Tensor[] run(Tensor[] in) {
        return run(in, null);
    }

    @Override
    public Tensor[] run(Tensor[] in, Object prepared) {
        Tensor x = in[0];
        Tensor w = weight != null ? weight : in[1];
        Tensor b = weight != null ? bias : in.length > 2 ? in[2] : null;
        Tensor r = residual ? in[in.length - 1] : null;
        if (x.dim() != 4 || w.dim() != 4) {
            throw new NodeError("only 2-D convolution of (N, C, H, W) inputs is supported");
        }
        return new Tensor[] {convolve(x, w, b, r, (PreparedConv) prepared)};
    }

    /**
     * act(conv(x, w) + b + r). Without gradients this is one fused convolution
     * ({@link F#conv2dFused}): bias, PReLU/ReLU (a leaky ReLU as a PReLU of one slope) and the
     * residual applied while the output is in cache. The fused epilogue adds the residual after the
     * activation, so with both the activation runs as its own op.
     */
    private Tensor convolve(Tensor x, Tensor w, Tensor b, Tensor r, PreparedConv prepared) {
        int[] padding = symmetricPadding();
        int padH = padding[0];
        int padW = padding[1];
        if (pads[0] != pads[2] || pads[1] != pads[3]) {
            x = F.pad(x, new int[] {pads[1] - padW, pads[3] - padW, pads[0] - padH, pads[2] - padH}, 0);
        }
        if (!GradMode.needsGrad(x, w) && (b == null || !GradMode.needsGrad(b)) && (r == null || !GradMode.needsGrad(r)) && x.dim() == 4) {
            return fused(x, w, b, r, padding, prepared);
        }
        Tensor y = F.conv2d(x, w, b, stride, padding, dilation, groups);
        if (r != null) {
            y = y.add(r);
        }
        return activate(y);
    }

    private Tensor fused(Tensor x, Tensor w, Tensor b, Tensor r, int[] padding, PreparedConv p) {
        int o = w.size(0);
        ConvEpilogue e = ConvEpilogue.bias(b == null ? null : b.reshape(o));
        boolean inside = r == null || act == Act.NONE;
        if (inside) {
            e = switch (act) {
                case NONE, RELU6 -> e;
                case RELU -> e.withRelu();
                case LEAKY_RELU -> e.withPrelu(Tensor.full(alpha, w.device(), w.dtype(), o));
                case PRELU -> e.withPrelu(slope.numel() == o ? slope.to(w.dtype()) : slope.expand(o).to(w.dtype()));
            };
        }
        Tensor y = p != null && w == weight ? F.conv2dFused(x, p, e.withResidual(r))
                : F.conv2dFused(x, w, stride, padding, dilation, groups, e.withResidual(r));
        if (inside) {
            return act == Act.RELU6 ? F.relu6(y) : y;
        }
        return activate(y);
    }

    @Override
    public Tensor preparable() {
        return weight;
    }

    @Override
    public Object prepare() {
        return weight == null ? null : PreparedConv.of(weight, stride, symmetricPadding(), dilation, groups);
    }

    /** The padding both sides share (height, width); the rest of an asymmetric pad is added explicitly. */
    private int[] symmetricPadding() {
        return new int[] {Math.min(pads[0], pads[2]), Math.min(pads[1], pads[3])};
    }

    private Tensor activate(Tensor y) {
        return switch (act) {
            case NONE -> y;
            case RELU -> F.relu(y);
            case RELU6 -> F.relu6(y);
            case LEAKY_RELU -> F.leakyRelu(y, alpha);
            case PRELU -> F.prelu(y, slope);
        };
    }
}
