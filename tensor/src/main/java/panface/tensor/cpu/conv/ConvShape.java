package panface.tensor.cpu.conv;

import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.runtime.CacheSize;

/**
 * The sizes of one convolution (x (n, c, h, w), weight (o, c/groups, kh, kw), output (n, o, ho,
 * wo)) and the algorithm the float kernels choose for it:
 * <ul>
 * <li>{@link #direct()}: groups with at most {@link #DIRECT_CHANNELS} input channels each
 * (depthwise 3x3, MobileFaceNet's 7x7 global depthwise head, its 2-channel groups) run as direct
 * loops over output rows. A GEMM per group would have two to eighteen rows of depth and one to two
 * rows of output: all packing, no arithmetic. Those with as many outputs as inputs per group
 * (depthwise, 2-channel groups) at stride 1 or 2 sum each run of outputs in a register over a
 * zero-bordered copy of the input plane ({@link ConvDepthwise}): a tap at a time, the output row
 * went through the cache once per tap, and that traffic, not the arithmetic, bounded them;</li>
 * <li>{@link #pointwise()}: 1x1, stride 1, no padding: each image's (c, h*w) block already is the
 * GEMM's right-hand operand, so the product reads it in place with no im2col;</li>
 * <li>everything else (3x3 stride 1 and 2, 1x1 stride 2, the stem): im2col of one image's columns
 * in tiles that stay in the second-level cache, each tile multiplied by the weight straight away,
 * so that the unfolded image never goes through memory.</li>
 * </ul>
 * 3x3 stride-1 convolutions with enough channels go to Winograd ({@link ConvWinograd}) instead,
 * where it pays off. With a weight prepared once ({@link ConvPrepared}, see {@link #algorithm})
 * the same choice applies, but the GEMMs multiply the weight packed once, and Winograd, whose
 * weight transform no longer comes with every call, takes every 3x3 stride-1 shape from 7x7 up:
 * at batch 1 the per-call transform was what made it lose on 14x14 (IResNet's largest stage).
 */
record ConvShape(int n, int c, int h, int w, int o, int groups, Conv2dParams p, int ho, int wo) {
    /** The most input channels per group that the direct kernel takes. */
    static final int DIRECT_CHANNELS = 4;
    /** Floats of one im2col tile: about half of a core's second-level cache, the rest for the packed weight and output. */
    static final long TILE_FLOATS = Math.max(4096, CacheSize.l2Bytes() / 8);

    static ConvShape of(int[] x, int[] weight, Conv2dParams p, int groups) {
        return new ConvShape(x[0], x[1], x[2], x[3], weight[0], groups, p, p.outH(x[2]), p.outW(x[3]));
    }

    /** Input channels per group. */
    int cg() {
        return c / groups;
    }

    /** Output channels per group. */
    int og() {
        return o / groups;
    }

    /** Taps of the window. */
    int kk() {
        return p.kh() * p.kw();
    }

    /** Depth of a group's product: input channels per group times taps. */
    int kg() {
        return cg() * kk();
    }

    /** Output positions per image. */
    int l() {
        return ho * wo;
    }

    /** Input positions per image plane. */
    int hw() {
        return h * w;
    }

    boolean direct() {
        return groups > 1 && cg() <= DIRECT_CHANNELS;
    }

    boolean pointwise() {
        return p.kh() == 1 && p.kw() == 1 && p.sh() == 1 && p.sw() == 1 && p.ph() == 0 && p.pw() == 0;
    }

    /** The kernels that compute a convolution's forward pass. */
    enum Algorithm { DIRECT, WINOGRAD, GEMM }

    /**
     * Fewest output positions per image for Winograd with a prepared weight: down to IResNet's
     * 7x7 stage, whose 4x4 tiles cover 8x8 (a third more than the output) and still ran faster
     * than the packed GEMM at batch 1 (one thread, CPU time: 61 against 45 GFLOPS of the direct
     * form's work).
     */
    static final int PREPARED_WINOGRAD_OUTPUTS = 49;

    /**
     * The forward algorithm: {@link #direct()} where it applies; Winograd where
     * {@link ConvWinograd#suits} says so, or, with a prepared weight (whose transform is made
     * once, not in every call), for every 3x3 stride-1 shape of at least
     * {@link #PREPARED_WINOGRAD_OUTPUTS} outputs per image; the GEMM otherwise.
     */
    Algorithm algorithm(boolean prepared) {
        if (direct()) {
            return Algorithm.DIRECT;
        }
        if (ConvWinograd.suits(this) || (prepared && ConvWinograd.enabled() && winogradShape() && l() >= PREPARED_WINOGRAD_OUTPUTS)) {
            return Algorithm.WINOGRAD;
        }
        return Algorithm.GEMM;
    }

    /** 3x3, stride 1, no dilation, one group, at least 16 channels in and out. */
    boolean winogradShape() {
        return groups == 1 && p.kh() == 3 && p.kw() == 3 && p.sh() == 1 && p.sw() == 1 && p.dh() == 1 && p.dw() == 1 && c >= 16 && o >= 16;
    }

    /** Output columns per im2col tile for a tile of rows rows. */
    int tileColumns(int rows) {
        long cols = TILE_FLOATS / Math.max(1, rows);
        return (int) Math.min(l(), Math.max(64, cols / 16 * 16));
    }
}
