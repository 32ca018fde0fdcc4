package panface.tensor.backend;

/**
 * Geometry of a 2-D convolution window: kernel size, stride, zero padding and dilation per axis.
 */
public record Conv2dParams(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {

    public Conv2dParams {
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("invalid convolution geometry: kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw
                    + ", padding " + ph + "x" + pw + ", dilation " + dh + "x" + dw);
        }
    }

    /** Output height for an input height. */
    public int outH(int h) {
        return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    }

    /** Output width for an input width. */
    public int outW(int w) {
        return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    }
}
