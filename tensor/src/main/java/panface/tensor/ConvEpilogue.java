package panface.tensor;

import panface.tensor.backend.ConvEpilogueView;

/**
 * Per-channel work fused into a convolution while its output is in cache, for inference (no
 * gradient flows through it). With x the input and y = conv(x', weight) the output:
 * <ul>
 * <li>x' = x * inScale[c] + inShift[c] where the window covers x and 0 where it covers padding
 * (a BatchNorm in front of a zero-padded convolution: folding it into the weights would give the
 * padding the value inShift, which is not what the unfused layers compute);</li>
 * <li>y = y * scale[o] + shift[o] (a BatchNorm that follows, or a bias);</li>
 * <li>y = PReLU(y, slope[o]) or ReLU(y);</li>
 * <li>y = y + residual (a tensor of the output's shape).</li>
 * </ul>
 * Every part may be null (absent). Channel vectors are 1-D of the input's or output's channel count.
 *
 * @param inScale  per input channel scale applied before the convolution, or null
 * @param inShift  per input channel shift applied before the convolution, or null
 * @param scale    per output channel scale, or null
 * @param shift    per output channel shift (a bias), or null
 * @param slope    per output channel PReLU slope, or null
 * @param relu     ReLU after the shift (ignored when slope is set)
 * @param residual added last, of the output's shape, or null
 */
public record ConvEpilogue(Tensor inScale, Tensor inShift, Tensor scale, Tensor shift, Tensor slope, boolean relu, Tensor residual) {

    /** Nothing fused. */
    public static final ConvEpilogue NONE = new ConvEpilogue(null, null, null, null, null, false, null);

    /** Only a bias (or null). */
    public static ConvEpilogue bias(Tensor bias) {
        return new ConvEpilogue(null, null, null, bias, null, false, null);
    }

    /** This epilogue with the input's per-channel scale and shift replaced. */
    public ConvEpilogue withInput(Tensor scale, Tensor shift) {
        return new ConvEpilogue(scale, shift, this.scale, this.shift, slope, relu, residual);
    }

    /** This epilogue with the output's per-channel scale and shift replaced. */
    public ConvEpilogue withAffine(Tensor scale, Tensor shift) {
        return new ConvEpilogue(inScale, inShift, scale, shift, slope, relu, residual);
    }

    /** This epilogue with a PReLU of per-channel slopes (null for none). */
    public ConvEpilogue withPrelu(Tensor slope) {
        return new ConvEpilogue(inScale, inShift, scale, shift, slope, relu, residual);
    }

    /** This epilogue with a ReLU. */
    public ConvEpilogue withRelu() {
        return new ConvEpilogue(inScale, inShift, scale, shift, slope, true, residual);
    }

    /** This epilogue adding residual last (null for none). */
    public ConvEpilogue withResidual(Tensor residual) {
        return new ConvEpilogue(inScale, inShift, scale, shift, slope, relu, residual);
    }

    /** True when there is an input scale or shift. */
    public boolean hasPrologue() {
        return inScale != null || inShift != null;
    }

    /** The parts as the kernels take them. */
    public ConvEpilogueView views() {
        return new ConvEpilogueView(view(inScale), view(inShift), view(scale), view(shift), view(slope), relu, view(residual));
    }

    private static View view(Tensor t) {
        return t == null ? null : t.asView();
    }
}
