package panface.tensor.backend;

/**
 * Geometry of a 2-D pooling window, with PyTorch's ceil_mode and count_include_pad semantics.
 */
public record Pool2dParams(int kh, int kw, int sh, int sw, int ph, int pw, boolean ceilMode, boolean countIncludePad) {

    public Pool2dParams {
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("invalid pooling geometry: kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw
                    + ", padding " + ph + "x" + pw);
        }
        if (ph * 2 > kh || pw * 2 > kw) {
            throw new IllegalArgumentException("pad should be at most half of the kernel size, got padding " + ph + "x" + pw
                    + " for kernel " + kh + "x" + kw);
        }
    }

    /** Output height for an input height. */
    public int outH(int h) {
        return outSize(h, kh, sh, ph);
    }

    /** Output width for an input width. */
    public int outW(int w) {
        return outSize(w, kw, sw, pw);
    }

    private int outSize(int in, int k, int s, int p) {
        int num = in + 2 * p - k;
        int out = (ceilMode ? Math.ceilDiv(num, s) : Math.floorDiv(num, s)) + 1;
        if (ceilMode && (out - 1) * s >= in + p) {
            out--;
        }
        return out;
    }
}
