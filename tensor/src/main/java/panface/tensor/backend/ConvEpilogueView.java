package panface.tensor.backend;

import panface.tensor.View;

/**
 * A convolution's fused epilogue as the kernels take it: {@link panface.tensor.ConvEpilogue}'s
 * parts as views (each may be null, absent).
 *
 * @param inScale  per input channel scale applied before the convolution, or null
 * @param inShift  per input channel shift applied before the convolution, or null
 * @param scale    per output channel scale, or null
 * @param shift    per output channel shift (a bias), or null
 * @param slope    per output channel PReLU slope, or null
 * @param relu     ReLU after the shift (ignored when slope is set)
 * @param residual added last, of the output's shape, or null
 */
public record ConvEpilogueView(View inScale, View inShift, View scale, View shift, View slope, boolean relu, View residual) {

    /** Nothing fused. */
    public static final ConvEpilogueView NONE = new ConvEpilogueView(null, null, null, null, null, false, null);

    /** True when there is an input scale or shift. */
    public boolean hasPrologue() {
        return inScale != null || inShift != null;
    }
}
