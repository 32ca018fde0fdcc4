package panface.nn.layers;

import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** 2-D convolution with PyTorch's default initialisation. Keys: weight (O, C/groups, kh, kw), bias. */
public final class Conv2d extends Module implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias, Generator gen) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: channels " + in + " -> " + out + " are not divisible by groups " + groups);
        }
        int fanIn = in / groups * kernel[0] * kernel[1];
        this.weight = parameter("weight", Init.kaimingUniformDefault(gen, fanIn, out, in / groups, kernel[0], kernel[1]));
        this.bias = bias ? parameter("bias", Init.kaimingUniformDefault(gen, fanIn, out)) : null;
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
    }

    /** Square kernel, no dilation. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, int groups, boolean bias, Generator gen) {
        this(in, out, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, groups,
                bias, gen);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    /** The stride (height, width); a copy. */
    public int[] stride() {
        return stride.clone();
    }

    /** The zero padding (height, width); a copy. */
    public int[] padding() {
        return padding.clone();
    }

    /** The dilation (height, width); a copy. */
    public int[] dilation() {
        return dilation.clone();
    }

    public int groups() {
        return groups;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.conv2d(x, weight.data(), bias == null ? null : bias.data(), stride, padding, dilation, groups);
    }
}
