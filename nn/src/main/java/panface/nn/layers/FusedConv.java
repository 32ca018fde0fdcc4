package panface.nn.layers;

import panface.tensor.ConvEpilogue;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.PreparedConv;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * A convolution prepared for inference with the layers around it fused (see {@link ConvEpilogue}):
 * a BatchNorm that follows is folded into the weights and a bias, one that comes before is
 * applied to the input as it is unfolded (folding it into the weights would be exact for its
 * scale but not its shift, which a zero-padded window must not see at the padding), and a PReLU
 * and a residual are applied to the output while it is in cache. The folded weight is prepared
 * once ({@link PreparedConv}: on the CPU packed for the GEMM kernel, and transformed for Winograd,
 * the first time a call needs either), so that calls do no work on the weight. A snapshot of the
 * layers' weights when it was made: an inference plan keeps it in a slot that it makes again when
 * those weights change (see {@link panface.nn.InferenceCompiler#prepare}).
 */
public final class FusedConv {
    private final PreparedConv weight;
    private final ConvEpilogue epilogue;

    private FusedConv(Conv2d conv, Tensor weight, ConvEpilogue epilogue) {
        this(PreparedConv.of(weight, conv.stride(), conv.padding(), conv.dilation(), conv.groups()), epilogue);
    }

    private FusedConv(PreparedConv weight, ConvEpilogue epilogue) {
        this.weight = weight;
        this.epilogue = epilogue;
    }

    /** This convolution followed by a ReLU (after the folded BatchNorm, before a residual), sharing the prepared weight. */
    public FusedConv withRelu() {
        return new FusedConv(weight, epilogue.withRelu());
    }

    /**
     * bnAfter(conv(bnBefore(x))) followed by act, each of bnBefore, bnAfter and act optional
     * (null).
     */
    public static FusedConv of(BatchNorm bnBefore, Conv2d conv, BatchNorm bnAfter, PReLU act) {
        try (var g = GradMode.noGrad()) {
            Tensor w = conv.weight().data();
            int o = w.size(0);
            Tensor bias = conv.bias() == null ? null : conv.bias().data().to(DType.F64);
            ConvEpilogue e = ConvEpilogue.NONE;
            if (bnAfter != null) {
                Tensor[] ss = bnAfter.inferenceScaleShift();
                Tensor scale = ss[0].to(DType.F64);
                w = w.to(DType.F64).mul(scale.reshape(o, 1, 1, 1)).to(w.dtype());
                Tensor shift = ss[1].to(DType.F64);
                bias = bias == null ? shift : bias.mul(scale).add(shift);
            }
            e = e.withAffine(null, bias == null ? null : bias.to(w.dtype()).contiguous());
            if (bnBefore != null) {
                Tensor[] ss = bnBefore.inferenceScaleShift();
                e = e.withInput(ss[0].to(w.dtype()), ss[1].to(w.dtype()));
            }
            if (act != null) {
                Tensor slope = act.weight().data().to(w.dtype());
                e = e.withPrelu(slope.numel() == o ? slope.reshape(o).contiguous() : slope.reshape(1).expand(o).contiguous());
            }
            return new FusedConv(conv, w.contiguous(), e);
        }
    }

    /** The fused layers on x, plus residual (of the output's shape) when not null; no gradient is recorded. */
    public Tensor forward(Tensor x, Tensor residual) {
        return F.conv2dFused(x, weight, epilogue.withResidual(residual));
    }
}
