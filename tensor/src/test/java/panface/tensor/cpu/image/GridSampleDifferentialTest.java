package panface.tensor.cpu.image;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertExactly;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;

/**
 * The float32 bilinear grid sample (FastImage) against the reference (ImageReference): grids that
 * reach outside the image (zero padding, partly outside corners), sample points exactly on pixel
 * centres and edges, huge and non-finite coordinates, one-pixel images, odd sizes, both
 * align_corners modes, operands at a storage offset; the forward gives the reference's bits, the
 * gradients agree to float32 accumulation, and a strided grid is left to the reference.
 */
class GridSampleDifferentialTest {
    private static final int[][] SHAPES = {{1, 1, 1, 1, 1, 1}, {2, 3, 5, 7, 4, 3}, {3, 2, 13, 9, 6, 5}, {1, 4, 16, 16, 16, 16}};
    private final SplittableRandom rnd = new SplittableRandom(41);

    @Test
    void forwardAndGradientsAgreeWithTheReference() {
        for (int[] s : SHAPES) {
            for (boolean align : new boolean[] {false, true}) {
                for (int kind = 0; kind < 3; kind++) {
                    check(s, align, kind);
                }
            }
        }
    }

    /** kind 0: uniform in [-1.3, 1.3]; 1: on the pixel grid (integer positions and edges); 2: huge and non-finite mixed in. */
    private void check(int[] s, boolean align, int kind) {
        int n = s[0];
        int c = s[1];
        int h = s[2];
        int w = s[3];
        int ho = s[4];
        int wo = s[5];
        String what = java.util.Arrays.toString(s) + " align " + align + " kind " + kind;
        float[] xv = Differential.normal(rnd, n * c * h * w, 3);
        float[] gv = new float[n * ho * wo * 2];
        for (int i = 0; i < gv.length; i++) {
            int size = i % 2 == 0 ? w : h;
            gv[i] = switch (kind) {
                case 0 -> (float) (rnd.nextDouble() * 2.6 - 1.3);
                // a normalised position of pixel k (or of its edge) in this mode
                case 1 -> {
                    int k = rnd.nextInt(size + 2) - 1;
                    yield (float) (align ? (size == 1 ? 0 : 2.0 * k / (size - 1) - 1) : (2.0 * k + 1) / size - 1);
                }
                default -> new float[] {1e6f, -1e6f, Float.NaN, Float.POSITIVE_INFINITY, 0.25f, -0.7f}[rnd.nextInt(6)];
            };
        }
        Tensor x = Differential.place(Layout.OFFSET, xv, n, c, h, w);
        Tensor grid = Differential.place(Layout.OFFSET, gv, n, ho, wo, 2);

        Tensor want = Differential.f64(n, c, ho, wo);
        ImageReference.gridSample(viewOf(x), viewOf(grid), align, viewOf(want), null, null, null);
        Tensor got = Differential.empty(Layout.OFFSET, DType.F32, n, c, ho, wo);
        assertTaken(what, Chosen.gridSample(x, grid, align, got), true);
        // the same double arithmetic in the same order, rounded once to float32
        assertExactly("gridSample " + what, roundedToFloat(want.toDoubleArray()), got);

        float[] gyv = Differential.normal(rnd, n * c * ho * wo, 1);
        Tensor gy = Differential.place(Layout.CONTIGUOUS, gyv, n, c, ho, wo);
        float[] gx0 = Differential.normal(rnd, xv.length, 1);
        float[] gg0 = Differential.normal(rnd, gv.length, 1);
        Tensor wantGx = Tensor.of(gx0, n, c, h, w).to(DType.F64);
        Tensor wantGg = Tensor.of(gg0, n, ho, wo, 2).to(DType.F64);
        ImageReference.gridSample(viewOf(x), viewOf(grid), align, null, viewOf(gy), viewOf(wantGx), viewOf(wantGg));
        Tensor gotGx = Differential.place(Layout.OFFSET, gx0, n, c, h, w);
        Tensor gotGg = Differential.place(Layout.OFFSET, gg0, n, ho, wo, 2);
        assertTaken(what, Chosen.gridSampleBackward(x, grid, align, gy, gotGx, gotGg), true);
        // gx: the fast kernel adds each weighted term to the float32 gradient in turn (the reference sums in
        // double and rounds once), so at most one rounding per term of the sum of the terms' magnitudes
        Tensor magGx = Tensor.of(gx0, n, c, h, w).to(DType.F64).abs();
        ImageReference.gridSample(viewOf(x), viewOf(grid), align, null, gy.abs().asView(), viewOf(magGx), null);
        double[] mx = magGx.toDoubleArray();
        int terms = ho * wo * 4 + 1;
        assertAgrees("gridSample gx " + what, wantGx.toDoubleArray(), gotGx, i -> terms * Differential.U * mx[i] + Float.MIN_NORMAL);
        // ggrid: double sums in another order, then two float32 roundings (of the increment and of the sum)
        double[] wg = wantGg.toDoubleArray();
        assertAgrees("gridSample ggrid " + what, wg, gotGg,
                i -> 4 * Differential.U * (Math.abs(gg0[i]) + Math.abs(wg[i] - gg0[i])) + 1e-9);
    }

    private static double[] roundedToFloat(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (float) v[i];
        }
        return r;
    }

    @Test
    void aStridedGridIsLeftToTheReference() {
        Tensor x = Tensor.of(Differential.normal(rnd, 2 * 3 * 4 * 4, 1), 2, 3, 4, 4);
        Tensor grid = Tensor.of(Differential.normal(rnd, 2 * 5 * 5 * 2, 0.5), 2, 5, 5, 2).transpose(1, 2);
        Tensor out = Tensor.zeros(DType.F32, 2, 3, 5, 5);
        assertTaken("strided grid", Chosen.gridSample(x, grid, false, out), false);
        Tensor gy = Tensor.zeros(DType.F32, 2, 3, 5, 5);
        assertTaken("strided grid", Chosen.gridSampleBackward(x, grid, false, gy, Tensor.zeros(DType.F32, 2, 3, 4, 4), null), false);
        assertTaken("float64", Chosen.gridSample(x.to(DType.F64), grid.contiguous().to(DType.F64), false, out.to(DType.F64)), false);
    }
}
