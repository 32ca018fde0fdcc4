package panface.tensor;

import panface.tensor.backend.Conv2dParams;

/**
 * A 2-D convolution's weight prepared once for many inference calls, for
 * {@link F#conv2dFused(Tensor, PreparedConv, ConvEpilogue)}. On the CPU the weight is packed into
 * the GEMM kernel's format and, for Winograd's algorithm, transformed and packed, each the first
 * time a call needs it, so that later calls do no work on the weight (at batch 1 IResNet-50 would
 * otherwise read and repack its whole weight, 175 MB, for every image); other backends use the
 * weight as it is.
 *
 * <p>A snapshot: {@link #of} copies the weight, so later changes of the tensor it was given,
 * in place or not, never reach the prepared form or the calls that use it; prepare again to use
 * new values. The packed copies are freed when this object is no longer reachable.
 */
public final class PreparedConv {
    private final Tensor weight;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final Conv2dParams params;
    private final Object prepared;

    private PreparedConv(Tensor weight, int[] stride, int[] padding, int[] dilation, int groups) {
        this.weight = weight;
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.params = new Conv2dParams(weight.size(2), weight.size(3), stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        this.prepared = weight.backend().prepareConv(weight.asView(), params, groups);
    }

    /** Prepares a copy of weight (O, C/groups, kh, kw) for convolutions with this window and groups, on the weight's backend. */
    public static PreparedConv of(Tensor weight, int[] stride, int[] padding, int[] dilation, int groups) {
        if (weight.dim() != 4 || stride.length != 2 || padding.length != 2 || dilation.length != 2 || groups <= 0 || weight.size(0) % groups != 0) {
            throw new IllegalArgumentException("a prepared convolution needs a weight (O, C/groups, kh, kw) and two-element stride, padding and "
                    + "dilation, got " + weight.describe() + " with groups " + groups);
        }
        Tensor copy;
        try (var g = panface.tensor.autograd.GradMode.noGrad()) {
            copy = weight.detach().copy();
        }
        return new PreparedConv(copy, stride, padding, dilation, groups);
    }

    /** The prepared copy of the weight (not the tensor given to {@link #of}). */
    public Tensor weight() {
        return weight;
    }

    /** The stride (height, width). */
    public int[] stride() {
        return stride.clone();
    }

    /** The zero padding (height, width). */
    public int[] padding() {
        return padding.clone();
    }

    /** The dilation (height, width). */
    public int[] dilation() {
        return dilation.clone();
    }

    /** The number of groups. */
    public int groups() {
        return groups;
    }

    /** The convolution's window. */
    public Conv2dParams params() {
        return params;
    }

    /** True when the backend holds a prepared form (false: calls use the weight as it is). */
    public boolean isPrepared() {
        return prepared != null;
    }

    /** The backend's prepared form, or null. */
    public Object prepared() {
        return prepared;
    }
}
