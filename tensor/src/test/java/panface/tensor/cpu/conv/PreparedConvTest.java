package panface.tensor.cpu.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.tensor.ConvEpilogue;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.PreparedConv;
import panface.tensor.Tensor;
import panface.tensor.cpu.gemm.PackedGemm;
import panface.tensor.random.Generator;

/**
 * Convolutions with a prepared weight (F.conv2dFused with a {@link PreparedConv}: the weight
 * packed once, Winograd's transform made once) against the same convolution in float64 through
 * unfold and dgemm, and against the unprepared call; and a prepared weight is a snapshot that
 * later changes of the tensor it came from do not reach.
 */
class PreparedConvTest {
    private final Generator gen = new Generator(23);

    /**
     * n, c, o, size, k, stride, pad, groups, and the algorithm expected with a prepared weight:
     * GEMM (3x3 stride 2 over two blocks of positions and two depth blocks; 1x1 in place with two
     * depth blocks; 1x1 with an input affine, unfolded; the stem's 3 channels; groups of 8
     * channels), Winograd (7x7 at batch 1, 14x14 at batch 3, 33x33 in three blocks of tile rows
     * with a short last one, two depth blocks, odd sizes), direct (depthwise).
     */
    private static final Object[][] SHAPES = {
        {new int[] {1, 64, 24, 30, 3, 2, 1, 1}, ConvShape.Algorithm.GEMM},
        {new int[] {2, 500, 20, 6, 1, 1, 0, 1}, ConvShape.Algorithm.GEMM},
        {new int[] {1, 3, 16, 15, 3, 1, 1, 1}, ConvShape.Algorithm.GEMM},
        {new int[] {2, 16, 24, 9, 3, 1, 1, 2}, ConvShape.Algorithm.GEMM},
        {new int[] {1, 32, 40, 7, 3, 1, 1, 1}, ConvShape.Algorithm.WINOGRAD},
        {new int[] {3, 16, 20, 14, 3, 1, 1, 1}, ConvShape.Algorithm.WINOGRAD},
        {new int[] {1, 16, 16, 33, 3, 1, 1, 1}, ConvShape.Algorithm.WINOGRAD},
        {new int[] {1, 456, 16, 9, 3, 1, 1, 1}, ConvShape.Algorithm.WINOGRAD},
        {new int[] {2, 8, 8, 9, 3, 1, 1, 8}, ConvShape.Algorithm.DIRECT},
    };

    @Test
    void preparedMatchesFloat64AndTheUnpreparedCall() {
        for (Object[] row : SHAPES) {
            int[] d = (int[]) row[0];
            ConvShape s = ConvShape.of(new int[] {d[0], d[1], d[3], d[3]}, new int[] {d[2], d[1] / d[7], d[4], d[4]},
                    new panface.tensor.backend.Conv2dParams(d[4], d[4], d[5], d[5], d[6], d[6], 1, 1), d[7]);
            assertEquals(row[1], s.algorithm(true), () -> "algorithm for " + Arrays.toString(d));
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
        Tensor inScale = Tensor.randn(gen, c);
        Tensor inShift = Tensor.randn(gen, c);
        Tensor scale = Tensor.randn(gen, o);
        Tensor shift = Tensor.randn(gen, o);
        Tensor slope = Tensor.randn(gen, o);
        // variant 0: everything but the residual; 1: output affine, ReLU and residual; 2: nothing
        ConvEpilogue e = switch (variant) {
            case 0 -> new ConvEpilogue(inScale, inShift, scale, shift, slope, false, null);
            case 1 -> new ConvEpilogue(null, null, scale, shift, null, true, null);
            default -> ConvEpilogue.NONE;
        };
        int ho = (d[3] + 2 * d[6] - d[4]) / d[5] + 1;
        Tensor residual = variant == 1 ? Tensor.randn(gen, n, o, ho, ho) : null;
        e = e.withResidual(residual);
        PreparedConv pw = PreparedConv.of(w, stride, pad, dil, d[7]);
        assertEquals(PackedGemm.available(), pw.isPrepared(), "prepared exactly where the packed kernels are available");
        Tensor got = F.conv2dFused(x, pw, e);
        Tensor unprepared = F.conv2dFused(x, w, stride, pad, dil, d[7], e);

        Tensor want = FusedConvReference.forward(x, w, stride, pad, dil, d[7], e);
        // the sums of |terms| bound float32's rounding error of each output
        Tensor bound = F.conv2d(FusedConvReference.input(x, e).abs(), w.to(DType.F64).abs(), null, stride, pad, dil, d[7]);
        if (e.scale() != null) {
            bound = bound.mul(scale.to(DType.F64).abs().reshape(1, o, 1, 1)).add(shift.to(DType.F64).abs().reshape(1, o, 1, 1));
        }
        if (e.slope() != null) {
            bound = bound.mul(slope.to(DType.F64).abs().clamp(1, Double.MAX_VALUE).reshape(1, o, 1, 1));
        }
        if (residual != null) {
            bound = bound.add(residual.to(DType.F64).abs());
        }
        double scaleOfSums = bound.max().item();
        double err = got.to(DType.F64).sub(want).abs().max().item();
        double gap = got.to(DType.F64).sub(unprepared.to(DType.F64)).abs().max().item();
        // float32 sums accumulated in blocks (about sqrt(depth) roundings of 2^-24 each in practice),
        // Winograd's transforms adding a few more: 2^-17 of the largest sum of |terms| leaves a wide margin
        double tol = Math.scalb(scaleOfSums, -17);
        String what = Arrays.toString(d) + " variant " + variant;
        assertTrue(err <= tol, () -> what + ": error " + err + " against float64, allowed " + tol);
        assertTrue(gap <= 2 * tol, () -> what + ": prepared and unprepared calls differ by " + gap + ", allowed " + 2 * tol);
    }

    @Test
    void aPreparedWeightIsASnapshotOfTheTensorItCameFrom() {
        int[] one = {1, 1};
        Tensor x = Tensor.randn(gen, 1, 32, 14, 14);
        Tensor w = Tensor.randn(gen, 32, 32, 3, 3);
        Tensor before = F.conv2dFused(x, w, one, one, one, 1, ConvEpilogue.NONE);
        PreparedConv pw = PreparedConv.of(w, one, one, one, 1);
        // changed after preparing but before the first call, which makes the packed forms
        w.copyFrom(w.mul(-2));
        Tensor changed = F.conv2dFused(x, w, one, one, one, 1, ConvEpilogue.NONE);
        Tensor first = F.conv2dFused(x, pw, ConvEpilogue.NONE);
        w.copyFrom(w.mul(3));
        Tensor second = F.conv2dFused(x, pw, ConvEpilogue.NONE);
        // the old weight's result, up to float32 rounding of sums of 288 O(1) terms
        assertTrue(first.sub(before).abs().max().item() < 1e-3, "the prepared weight followed a change of the tensor it came from");
        assertTrue(first.sub(changed).abs().max().item() > 1, "changing the source changed nothing, so this test shows nothing");
        // the same prepared call on the same input: the same sums in the same order
        assertEquals(0.0, second.sub(first).abs().max().item(), "the prepared weight followed a later change of its source");
    }
}
