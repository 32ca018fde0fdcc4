package panface.tensor.cpu.gemm;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential.Regime;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.Tolerances;

/**
 * Products on the fast paths (Gemm's OpenBLAS calls, its matrix-vector path, the shared-pack and
 * column-split drivers of PackedGemm, the prepacked linear with its fused epilogue, and the
 * pure-Java kernel) against the float64 reference product: cancelling large values, same-sign
 * offsets, NaN and infinities (which must reach exactly the rows and columns they touch), beta 0
 * over a NaN-filled output, transposed, strided, offset and broadcast operands.
 */
class GemmDifferentialTest {
    private static final Regime[] REGIMES = {Regime.NORMAL, Regime.LARGE, Regime.OFFSET, Regime.NAN, Regime.POS_INF, Regime.MASKED};
    private final SplittableRandom rnd = new SplittableRandom(29);

    /** m x k values: each row a regime row (so one NaN or infinity per row where the regime has one). */
    private float[] operand(Regime r, int rows, int cols) {
        return r == Regime.NORMAL ? Differential.normal(rnd, rows * cols, 1) : Differential.rows(r, rnd, rows, cols);
    }

    @Test
    void matmulAgreesOnHardInputsAndLayouts() {
        int l = Differential.LANES;
        // m, k, n: single elements, a row (matrix-vector), tails of the vector width, a deep sum
        int[][] sizes = {{1, 1, 1}, {1, 2 * l + 3, 4 * l + 1}, {l + 1, l - 1, 2 * l + 1}, {3, 4099, 5}};
        for (int[] sz : sizes) {
            for (Regime ra : REGIMES) {
                Regime rb = ra == Regime.NAN ? Regime.NORMAL : ra;
                for (int variant = 0; variant < 4; variant++) {
                    Tensor[] ab = operands(ra, rb, sz, variant);
                    String what = ra + " " + java.util.Arrays.toString(sz) + " variant " + variant;
                    check(what, ab[0], ab[1], 1, 0);
                    check(what, ab[0], ab[1], 0.5, 2);
                }
            }
        }
    }

    /**
     * Products large enough for one product to be split between threads, with a packed operand
     * shared (rows split) or the columns split (a wide B): same-sign offset values, one row of A
     * with a NaN and one column of B with an infinity, which must reach exactly their row and column.
     */
    @Test
    void largeSplitProductsAgree() {
        for (int[] sz : new int[][] {{260, 333, 301}, {130, 333, 1100}}) {
            for (int variant : new int[] {0, 3}) {
                Tensor[] ab = operands(Regime.OFFSET, Regime.OFFSET, sz, variant);
                ab[0].select(0, sz[0] / 2).narrow(0, 7, 1).fillInPlace(Double.NaN);
                ab[1].select(1, sz[2] / 3).narrow(0, 5, 1).fillInPlace(Double.NEGATIVE_INFINITY);
                String what = java.util.Arrays.toString(sz) + " variant " + variant;
                check(what, ab[0], ab[1], variant == 0 ? 1 : 0.5, variant == 0 ? 0 : 2);
            }
        }
    }

    /** A (m x k) and B (k x n) of the regimes; variant bit 0: A stored transposed; bit 1: B a transposed view. */
    private Tensor[] operands(Regime ra, Regime rb, int[] sz, int variant) {
        int m = sz[0];
        int k = sz[1];
        int n = sz[2];
        Tensor a = (variant & 1) != 0 ? Differential.place(Layout.OFFSET, operand(ra, k, m), k, m).mT()
            : Differential.place(Layout.OFFSET, operand(ra, m, k), m, k);
        Tensor b = Differential.place((variant & 2) != 0 ? Layout.TRANSPOSED : Layout.CONTIGUOUS, operand(rb, k, n), k, n);
        return new Tensor[] {a, b};
    }

    @Test
    void batchedAndBroadcastOperands() {
        for (Regime r : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.NAN}) {
            Tensor a = Differential.place(Layout.OFFSET, operand(r, 3 * 4 * 5, 6), 3, 4, 5, 6).narrow(0, 1, 2);
            Tensor b = Differential.broadcastRows(operand(Regime.NORMAL, 1, 6 * 7), 6 * 7).reshape(6, 7).unsqueeze(0).unsqueeze(0).expand(2, 4, 6, 7);
            check("batched, broadcast B " + r, a, b, 1, 0);
            check("strided A " + r, Differential.place(Layout.STRIDED, operand(r, 4, 9), 4, 9), Differential.place(Layout.CONTIGUOUS, operand(r, 9, 3), 9, 3), 1, 1);
        }
    }

    /** The fast path on a, b into an output prefilled with NaN (beta 0 must not read it) or with values, against the reference. */
    private void check(String what, Tensor a, Tensor b, double alpha, double beta) {
        int[] os = a.shape();
        os[os.length - 1] = b.size(-1);
        float[] init = Differential.normal(rnd, Tensor.zeros(os).numel(), 1);
        if (beta == 0) {
            java.util.Arrays.fill(init, Float.NaN);
        }
        Tensor got = Differential.place(Layout.OFFSET, init, os);
        Tensor want = Tensor.of(init, os).to(DType.F64);
        GemmReference.matmul(viewOf(a), viewOf(b), viewOf(want), alpha, beta);
        assertTaken(what, Chosen.matmul(a, b, got, alpha, beta), true);
        assertAgrees("matmul " + what, want.toDoubleArray(), got, bound(a, b, Tensor.of(init, os), alpha, beta, want));
        assertOnlyViewWritten("matmul " + what, got);
    }

    /** {@link Tolerances#product} from |alpha| |A| |B| and |beta C0|, both in float64. */
    private static Differential.Bound bound(Tensor a, Tensor b, Tensor c0, double alpha, double beta, Tensor want) {
        Tensor mag = Tensor.zeros(DType.F64, want.shape());
        GemmReference.matmul(a.to(DType.F64).abs().asView(), b.to(DType.F64).abs().asView(), viewOf(mag), Math.abs(alpha), 0);
        double[] betaC = beta == 0 ? new double[mag.numel()] : c0.to(DType.F64).abs().mul(Math.abs(beta)).toDoubleArray();
        return Tolerances.product(mag.toDoubleArray(), betaC, want.toDoubleArray(), a.size(-1));
    }

    /** x W^T with a prepacked W, the bias, activation and residual applied per block of finished rows (F.linear's fast path). */
    @Test
    void prepackedLinearWithItsEpilogueAgrees() {
        assumeTrue(PackedGemm.available(), "no packed kernels for this core");
        int l = Differential.LANES;
        int[][] sizes = {{2, 1, 1}, {l + 1, 2 * l + 3, 4 * l + 1}, {70, 513, 37}};
        for (int[] sz : sizes) {
            int m = sz[0];
            int k = sz[1];
            int n = sz[2];
            for (Regime r : new Regime[] {Regime.NORMAL, Regime.OFFSET, Regime.NAN}) {
                float[] xv = operand(r, m, k);
                float[] wv = Differential.normal(rnd, n * k, 0.1);
                float[] bv = Differential.normal(rnd, n, 1);
                float[] rv = Differential.normal(rnd, m * n, 1);
                Tensor x = Differential.place(Layout.OFFSET, xv, m, k);
                Tensor w = Tensor.of(wv, n, k);
                Object packed = Gemm.prepack(viewOf(w));
                for (UnaryOp act : new UnaryOp[] {null, UnaryOp.GELU, UnaryOp.RELU}) {
                    String what = "linear " + r + " " + java.util.Arrays.toString(sz) + " " + act;
                    Tensor z = Tensor.zeros(DType.F64, m, n);
                    GemmReference.matmul(viewOf(x), w.mT().asView(), viewOf(z), 1, 0);
                    Tensor mag = Tensor.zeros(DType.F64, m, n);
                    GemmReference.matmul(x.to(DType.F64).abs().asView(), w.mT().to(DType.F64).abs().asView(), viewOf(mag), 1, 0);
                    double[] zd = z.toDoubleArray();
                    double[] md = mag.toDoubleArray();
                    double[] want = new double[m * n];
                    double[] err = new double[m * n];
                    Tolerances.Unary tol = act == null ? null : Tolerances.unary(act);
                    for (int i = 0; i < want.length; i++) {
                        double pre = zd[i] + bv[i % n];
                        double y = act == null ? pre : act.apply(pre, 0, 0);
                        double slope = act == null ? 1 : Math.abs(act.derivative(pre, y, 0, 0));
                        want[i] = y + rv[i];
                        // the product's error and the bias add's rounding pass through the activation's slope
                        double zErr = (Tolerances.growth(k) + 2) * Differential.U * md[i] + Differential.U * Math.abs(pre);
                        err[i] = slope * zErr + (tol == null ? 0 : tol.forward().of(pre, Math.abs(y))) + Differential.U * Math.abs(want[i]);
                    }
                    Tensor got = Differential.empty(Layout.CONTIGUOUS, DType.F32, m, n);
                    assertTaken(what, Gemm.linearPrepacked(viewOf(x), packed, Tensor.of(bv, n).asView(), act, 0, Tensor.of(rv, m, n).asView(), viewOf(got)), true);
                    assertAgrees(what, want, got, i -> err[i] + Float.MIN_NORMAL);
                }
                Tensor y = F.linear(x, w, Tensor.of(bv, n));
                Tensor y64 = F.linear(x.to(DType.F64), w.to(DType.F64), Tensor.of(bv, n).to(DType.F64));
                Tensor mag = Tensor.zeros(DType.F64, m, n);
                GemmReference.matmul(x.to(DType.F64).abs().asView(), w.mT().to(DType.F64).abs().asView(), viewOf(mag), 1, 0);
                double[] bias = Tensor.of(bv, n).to(DType.F64).abs().expand(m, n).contiguous().toDoubleArray();
                assertAgrees("F.linear " + r + " " + java.util.Arrays.toString(sz), y64.toDoubleArray(), y,
                        Tolerances.product(mag.toDoubleArray(), bias, y64.toDoubleArray(), k));
            }
        }
    }

    /** The pure-Java kernel (used where OpenBLAS does not load) on the same hard inputs. */
    @Test
    void javaKernelAgrees() {
        int l = Differential.LANES;
        int[][] sizes = {{1, 1, 1}, {5, 3, 2 * l + 1}, {33, 300, 70}};
        for (int[] sz : sizes) {
            for (Regime r : REGIMES) {
                for (int variant = 0; variant < 4; variant++) {
                    boolean ta = (variant & 1) != 0;
                    boolean tb = (variant & 2) != 0;
                    int m = sz[0];
                    int k = sz[1];
                    int n = sz[2];
                    float[] av = ta ? operand(r, k, m) : operand(r, m, k);
                    float[] bv = tb ? operand(Regime.NORMAL, n, k) : operand(Regime.NORMAL, k, n);
                    Tensor a = ta ? Tensor.of(av, k, m).mT() : Tensor.of(av, m, k);
                    Tensor b = tb ? Tensor.of(bv, n, k).mT() : Tensor.of(bv, k, n);
                    float[] c = Differential.normal(rnd, m * n, 1);
                    Tensor want = Tensor.of(c, m, n).to(DType.F64);
                    GemmReference.matmul(viewOf(a), viewOf(b), viewOf(want), 1.5, 0.5);
                    float[] got = c.clone();
                    JavaGemm.sgemm(ta, tb, m, n, k, 1.5f, av, 0, ta ? m : k, bv, 0, tb ? k : n, 0.5f, got, 0, n);
                    String what = "Java sgemm " + r + " " + java.util.Arrays.toString(sz) + " variant " + variant;
                    assertAgrees(what, want.toDoubleArray(), Differential.widen(got), bound(a, b, Tensor.of(c, m, n), 1.5, 0.5, want));
                }
            }
        }
    }
}
