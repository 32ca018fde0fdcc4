package panface.tensor.cpu.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.ConvEpilogue;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The fused convolution (F.conv2dFused, float32, through each kernel) against the same work as
 * separate float64 ops: input scale and shift (not applied to the zero padding), output scale
 * and shift, PReLU or ReLU, residual.
 */
class ConvEpilogueTest {
    private final Generator gen = new Generator(11);

    /** n, c, o, size, k, stride, pad, groups: 3x3 GEMM at batch 1 and 3, stride 2, pointwise, 1x1 stride 2, depthwise, GDC, 2-channel groups, Winograd. */
    private static final int[][] SHAPES = {{1, 6, 16, 9, 3, 1, 1, 1}, {3, 6, 8, 9, 3, 2, 1, 1}, {3, 8, 40, 7, 1, 1, 0, 1},
        {2, 8, 8, 9, 1, 2, 0, 1}, {2, 8, 8, 9, 3, 1, 1, 8}, {3, 8, 8, 7, 7, 1, 0, 8}, {2, 6, 6, 8, 3, 2, 1, 3},
        {1, 16, 16, 29, 3, 1, 1, 1}, {3, 16, 16, 16, 3, 1, 1, 1}};

    private Tensor vec(int n) {
        return Tensor.randn(gen, n);
    }

    @Test
    void fusedMatchesTheSeparateOps() {
        for (int[] d : SHAPES) {
            for (int variant = 0; variant < 3; variant++) {
                check(d, variant);
            }
        }
    }

    private void check(int[] d, int variant) {
        int n = d[0];
        int c = d[1];
        int o = d[2];
        int[] stride = {d[5], d[5]};
        int[] pad = {d[6], d[6]};
        int[] dil = {1, 1};
        Tensor x = Tensor.randn(gen, n, c, d[3], d[3]);
        Tensor w = Tensor.randn(gen, o, c / d[7], d[4], d[4]);
        Tensor inScale = vec(c);
        Tensor inShift = vec(c);
        Tensor scale = vec(o);
        Tensor shift = vec(o);
        Tensor slope = vec(o);
        // variant 0: everything; 1: output affine, ReLU and residual; 2: input affine and PReLU only
        ConvEpilogue e = switch (variant) {
            case 0 -> new ConvEpilogue(inScale, inShift, scale, shift, slope, false, null);
            case 1 -> new ConvEpilogue(null, null, scale, shift, null, true, null);
            default -> new ConvEpilogue(inScale, inShift, null, null, slope, false, null);
        };
        Tensor plain = F.conv2d(x, w, null, stride, pad, dil, d[7]);
        Tensor residual = variant == 2 ? null : Tensor.randn(gen, plain.shape());
        e = e.withResidual(residual);
        Tensor got = F.conv2dFused(x, w, stride, pad, dil, d[7], e);

        Tensor want = FusedConvReference.forward(x, w, stride, pad, dil, d[7], e);
        double err = got.to(DType.F64).sub(want).abs().max().item();
        double size = want.abs().max().item();
        // float32 sums of at most 72 products of O(1) values, then a few rounded multiply-adds
        assertTrue(err <= 1e-5 * Math.max(1, size), () -> java.util.Arrays.toString(d) + " variant " + variant + ": error " + err + " of " + size);
    }
}
