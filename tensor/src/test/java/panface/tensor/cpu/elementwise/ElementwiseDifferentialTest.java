package panface.tensor.cpu.elementwise;

import static panface.tensor.cpu.KernelViews.viewOf;

import static panface.tensor.cpu.Differential.assertAgrees;
import static panface.tensor.cpu.Differential.assertOnlyViewWritten;
import static panface.tensor.cpu.Differential.assertTaken;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.CpuBackend;
import panface.tensor.cpu.Differential.Bound;
import panface.tensor.cpu.Differential.Layout;
import panface.tensor.cpu.Differential;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.rows.RowsReference;
import panface.tensor.cpu.Tolerances;
import panface.tensor.ops.Elementwise;
import panface.tensor.ops.Views;

/**
 * Every float32 unary op and its derivative (VecElementwise over VecUnary's loops, which run each
 * op's vector form), the broadcasting binary ops and the fused bias + activation, against the
 * double references (UnaryOp's apply and derivative, BinaryOp's apply for the binary ops):
 * values across each op's domain with NaN, infinities, signed zeros, subnormals, values near
 * overflow and the kinks, placed in the vector body and in the tail, at every length; offset
 * views for the kernels and strided, transposed and broadcast views through the public API.
 */
class ElementwiseDifferentialTest {
    private static final float INF = Float.POSITIVE_INFINITY;
    /** Special values, each placed at several positions of every input. */
    private static final float[] SPECIALS = {Float.NaN, INF, -INF, 0f, -0f, 1e-30f, -1e-30f, 1e-40f, -1e-40f, 3e38f, -3e38f, 1e4f, -1e4f,
        -3f, 3f, 6f, -0.5f, 2f, 1f, -1f};
    private final SplittableRandom rnd = new SplittableRandom(7);

    /** Parameters a and b the ops are run with (LeakyReLU's slope, the power, clamp's bounds, the affine map). */
    private static double a(UnaryOp op) {
        return switch (op) {
            case POW -> 1.7;
            case CLAMP -> -0.5;
            case AFFINE -> 0.3;
            default -> 0.2;
        };
    }

    private static double b(UnaryOp op) {
        return op == UnaryOp.CLAMP ? 2.0 : op == UnaryOp.AFFINE ? -1.1 : 0.3;
    }

    /** n inputs over the op's domain, with the specials spread over the vector body and the tail. */
    private float[] inputs(UnaryOp op, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double g = Differential.gaussian(rnd);
            v[i] = (float) switch (op) {
                case LOG, SQRT, RSQRT, RECIPROCAL, POW -> Math.pow(10, 3 * g);
                case ACOS -> Math.tanh(g);
                case EXP -> 30 * g;
                default -> i % 5 == 0 ? 2e3 * g : 3 * g;
            };
        }
        for (int k = 0; k < SPECIALS.length && k < n; k++) {
            v[(int) ((long) k * 7919 % n)] = SPECIALS[k];
        }
        if (n > 2) {
            v[n - 1] = SPECIALS[rnd.nextInt(SPECIALS.length)];
        }
        return v;
    }

    @Test
    void everyUnaryOpAndItsDerivativeAgreeWithTheDoubleReference() {
        for (UnaryOp op : UnaryOp.values()) {
            if (!VecUnary.supports(op)) {
                continue;
            }
            for (int n : Differential.LENGTHS_AND_LONG_ROW) {
                Layout in = (n & 1) == 0 ? Layout.OFFSET : Layout.CONTIGUOUS;
                Layout out = in == Layout.OFFSET ? Layout.CONTIGUOUS : Layout.OFFSET;
                unary(op, inputs(op, n), in, out);
            }
        }
    }

    private void unary(UnaryOp op, float[] xv, Layout in, Layout out) {
        int n = xv.length;
        String what = op + " n=" + n;
        Tolerances.Unary tol = Tolerances.unary(op);
        Tensor x = Differential.place(in, xv, n);
        Tensor want = Differential.f64(n);
        ElementwiseReference.unary(op, viewOf(x), viewOf(want), a(op), b(op));
        Tensor got = Differential.empty(out, DType.F32, n);
        assertTaken(what, Chosen.unary(op, x, got, a(op), b(op)), true);
        double[] xd = Differential.widen(xv);
        double[] yd = want.toDoubleArray();
        for (int i = 0; i < n; i++) {
            yd[i] = float32Forward(op, xv[i], yd[i]);
        }
        assertAgrees(what, yd, got, tol.forward(xd, yd));
        assertOnlyViewWritten(what, got);

        // the derivative from the forward's float32 output, as autograd saves it
        float[] yv = want.toFloatArray();
        float[] gv = Differential.normal(rnd, n, 1);
        Tensor y = Differential.place(out, yv, n);
        Tensor gy = Differential.place(in, gv, n);
        Tensor gWant = Differential.f64(n);
        ElementwiseReference.unaryBackward(op, viewOf(x), viewOf(y), viewOf(gy), viewOf(gWant), a(op), b(op));
        Tensor gGot = Differential.empty(in, DType.F32, n);
        assertTaken(what + " derivative", Chosen.unaryBackward(op, x, y, gy, gGot, a(op), b(op)), true);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = op.derivative(xv[i], yv[i], a(op), b(op));
        }
        double[] gd = gWant.toDoubleArray();
        for (int i = 0; i < n; i++) {
            gd[i] = float32Gradient(op, xv[i], d[i], gv[i], gd[i]);
        }
        assertAgrees(what + " derivative", gd, gGot, tol.backward(xd, d, Differential.widen(gv), gd));
        assertOnlyViewWritten(what + " derivative", gGot);
    }

    /**
     * The float64 reference's y, except where PyTorch's float32 formula overflows an intermediate
     * (float64 cannot say what float32 gives there): hardswish's x * 6 is infinite past 5.7e37,
     * and torch 1.13 gives inf.
     */
    private static double float32Forward(UnaryOp op, float x, double y) {
        return op == UnaryOp.HARDSWISH && x > Float.MAX_VALUE / 6 ? Double.POSITIVE_INFINITY : y;
    }

    /**
     * The float64 reference's gradient, except where float32 overflows: PyTorch forms most
     * derivatives as a float32 factor (2x, y^2, y^3, ...) and then multiplies by the gradient, so
     * where the factor overflows the gradient is infinite (log's backward divides by x instead);
     * GELU (tanh)'s derivative multiplies x^2, infinite past 1.8e19, by 1 - tanh^2 = 0: NaN in torch 1.13.
     */
    private static double float32Gradient(UnaryOp op, float x, double d, double gy, double gx) {
        if (op == UnaryOp.GELU_TANH && Math.abs(x) > Math.sqrt(Float.MAX_VALUE)) {
            return Double.NaN;
        }
        if (op != UnaryOp.LOG && Double.isFinite(d) && Float.isInfinite((float) d)) {
            return gy * (double) (float) d;
        }
        return gx;
    }

    /** The lengths and one that the kernels split into three chunks between threads (elementwise work is split every GRAIN elements). */

    /** PyTorch 1.13 on float32: relu, relu6, clamp, leaky_relu, sigmoid and tanh keep NaN; relu(-0.) is 0 either sign. */
    @Test
    void nanStaysNanAsInPyTorch() {
        for (UnaryOp op : new UnaryOp[] {UnaryOp.RELU, UnaryOp.RELU6, UnaryOp.CLAMP, UnaryOp.LEAKY_RELU, UnaryOp.SIGMOID, UnaryOp.TANH,
            UnaryOp.GELU, UnaryOp.SILU, UnaryOp.HARDSWISH, UnaryOp.ABS}) {
            for (int n : new int[] {1, Differential.LANES, Differential.LANES + 1}) {
                float[] v = new float[n];
                java.util.Arrays.fill(v, Float.NaN);
                Tensor got = Tensor.zeros(n);
                assertTaken(op.name(), Chosen.unary(op, Tensor.of(v, n), got, a(op), b(op)), true);
                double[] nan = new double[n];
                java.util.Arrays.fill(nan, Double.NaN);
                Differential.assertExactly(op + " of NaN, n=" + n, nan, got);
            }
        }
    }

    /**
     * What PyTorch gives at NaN where it does not give NaN (torch 1.13 and 2.13 agree;
     * torch_special_values.py in the test resources prints them): sign(NaN) = 0, and with an
     * upstream gradient of 0.5 the gradient at NaN is 0.5 for relu, relu6 and hardswish (their
     * backward zeroes the gradient only where a comparison holds, and none holds at NaN), 0.5 a for
     * leaky_relu, and 0 for abs, clamp and hardsigmoid. The fast kernel, the float64 reference and
     * autograd must all say so, in the vector body and in the tail.
     */
    @Test
    void atNaNAsPyTorch() {
        Object[][] cases = {{UnaryOp.SIGN, 0.0, 0.0}, {UnaryOp.RELU, Double.NaN, 0.5}, {UnaryOp.RELU6, Double.NaN, 0.5},
            {UnaryOp.HARDSWISH, Double.NaN, 0.5}, {UnaryOp.LEAKY_RELU, Double.NaN, 0.5 * (float) a(UnaryOp.LEAKY_RELU)}, {UnaryOp.ABS, Double.NaN, 0.0},
            {UnaryOp.CLAMP, Double.NaN, 0.0}, {UnaryOp.HARDSIGMOID, Double.NaN, 0.0}};
        for (Object[] c : cases) {
            UnaryOp op = (UnaryOp) c[0];
            double y = (double) c[1];
            double g = (double) c[2];
            for (int n : new int[] {1, Differential.LANES, Differential.LANES + 1}) {
                String what = op + " at NaN, n=" + n;
                float[] v = new float[n];
                java.util.Arrays.fill(v, Float.NaN);
                Tensor x = Tensor.of(v, n);
                double[] ys = new double[n];
                java.util.Arrays.fill(ys, y);
                double[] gs = new double[n];
                java.util.Arrays.fill(gs, (float) g);   // float32 arithmetic: 0.5 * 0.2f
                Tensor got = Tensor.zeros(n);
                assertTaken(what, Chosen.unary(op, x, got, a(op), b(op)), true);
                Differential.assertExactly(what + " forward", ys, got);
                Tensor gy = Tensor.full(0.5, panface.tensor.Device.CPU, DType.F32, n);
                Tensor gGot = Tensor.zeros(n);
                assertTaken(what, Chosen.unaryBackward(op, x, got, gy, gGot, a(op), b(op)), true);
                Differential.assertExactly(what + " gradient", gs, gGot);
                Tensor gRef = Differential.f64(n);
                ElementwiseReference.unaryBackward(op, viewOf(x), viewOf(got), viewOf(gy), viewOf(gRef), a(op), b(op));
                Differential.assertExactly(what + " gradient (reference)", gs, gRef.to(DType.F32));
                if (!op.isPiecewiseConstant()) {
                    Tensor xg = Tensor.of(v, n).requiresGrad(true);
                    Elementwise.unary(op, xg, a(op), b(op)).backward(gy);
                    Differential.assertExactly(what + " gradient (autograd)", gs, xg.grad());
                }
            }
        }
    }

    @Test
    void binaryOpsOverBroadcastAndStridedOperands() {
        int l = Differential.LANES;
        int[][][] shapes = {{{1}, {1}}, {{l - 1}, {l - 1}}, {{5, 2 * l + 3}, {2 * l + 3}}, {{5, 2 * l + 3}, {5, 1}}, {{1}, {3, l + 1}},
            {{3, 1, 4 * l + 1}, {5, 4 * l + 1}}, {{2, Differential.LONG_ROW}, {2, Differential.LONG_ROW}}};
        for (int[][] s : shapes) {
            int[] out = Shape.broadcast(s[0], s[1]);
            float[] av = withSpecials(Shape.numel(s[0]));
            float[] bv = withSpecials(Shape.numel(s[1]));
            for (Layout la : Layout.values()) {
                Layout lb = Layout.values()[(la.ordinal() + 1) % Layout.values().length];
                Tensor a = Views.broadcastTo(Differential.place(la, av, s[0]), out);
                Tensor b = Views.broadcastTo(Differential.place(lb, bv, s[1]), out);
                for (BinaryOp op : Arrays.stream(BinaryOp.values()).filter(BinaryOp::hasVectorForm).toList()) {
                    String what = op + " " + java.util.Arrays.deepToString(s) + " " + la + "/" + lb;
                    Tensor want = Differential.f64(out);
                    ElementwiseReference.binary(op, viewOf(a), viewOf(b), viewOf(want));
                    Tensor got = Differential.empty(Layout.OFFSET, DType.F32, out);
                    assertTaken(what, Chosen.binary(op, a, b, got), true);
                    double[] w = want.toDoubleArray();
                    assertAgrees(what, w, got, op == BinaryOp.MAX || op == BinaryOp.MIN ? Tolerances.EXACT : Tolerances.binary(w));
                    assertOnlyViewWritten(what, got);
                }
            }
        }
    }

    private float[] withSpecials(int n) {
        float[] v = Differential.normal(rnd, n, 3);
        for (int k = 0; k < n; k += 3) {
            v[k] = SPECIALS[rnd.nextInt(SPECIALS.length)];
        }
        return v;
    }

    /** act(x + bias) and its gradient: the activation's bound at z = x + bias, plus |act'(z)| u |z| for rounding the sum. */
    @Test
    void biasActivationAgreesWithTheUnfusedReference() {
        UnaryOp[] acts = {UnaryOp.RELU, UnaryOp.RELU6, UnaryOp.LEAKY_RELU, UnaryOp.SIGMOID, UnaryOp.TANH, UnaryOp.SILU, UnaryOp.GELU,
            UnaryOp.GELU_TANH, UnaryOp.HARDSWISH, UnaryOp.HARDSIGMOID};
        for (UnaryOp act : acts) {
            for (int cols : new int[] {1, Differential.LANES - 1, 2 * Differential.LANES + 3, 1021}) {
                int rows = cols == 1021 ? 8 : 3;
                float[] xv = withSpecials(rows * cols);
                float[] bv = Differential.normal(rnd, cols, 2);
                Tensor x = Differential.place(Layout.OFFSET, xv, rows, cols);
                Tensor bias = Differential.place(Layout.CONTIGUOUS, bv, cols);
                double[] z = new double[rows * cols];
                double[] y = new double[z.length];
                double[] d = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    z[i] = (double) xv[i] + bv[i % cols];
                    y[i] = float32Forward(act, (float) z[i], act.apply(z[i], a(act), 0));
                    d[i] = act.derivative(z[i], y[i], a(act), 0);
                }
                String what = "bias + " + act + " cols=" + cols;
                Tensor got = Differential.empty(Layout.CONTIGUOUS, DType.F32, rows, cols);
                assertTaken(what, Chosen.biasActivation(act, x, bias, got, a(act), 0), true);
                Bound f = Tolerances.unary(act).forward(z, y);
                assertAgrees(what, y, got, i -> f.at(i) + Math.abs(d[i]) * Differential.U * Math.abs(z[i]));
                assertOnlyViewWritten(what, got);
                float[] gv = Differential.normal(rnd, rows * cols, 1);
                double[] gx = new double[z.length];
                double[] dd = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    gx[i] = float32Gradient(act, (float) z[i], d[i], gv[i], gv[i] * d[i]);
                    // how far the derivative moves when z is rounded: its change over an ulp of z, at most the derivative's jump at a kink
                    double zf = (float) z[i];
                    dd[i] = Math.abs(act.derivative(zf, act.apply(zf, a(act), 0), a(act), 0) - d[i]);
                }
                Tensor gGot = Differential.empty(Layout.OFFSET, DType.F32, rows, cols);
                assertTaken(what + " backward", Chosen.biasActivationBackward(act, x, bias, Tensor.of(gv, rows, cols), gGot, a(act), 0), true);
                Bound b = Tolerances.unary(act).backward(z, d, Differential.widen(gv), gx);
                assertAgrees(what + " backward", gx, gGot, i -> b.at(i) + Math.abs(gv[i]) * dd[i]);
                assertOnlyViewWritten(what + " backward", gGot);
            }
        }
    }

    /**
     * The backend's dispatch with outputs the fast kernels do not take (strided, transposed): the
     * reference path writes them, only them, with the same values.
     */
    @Test
    void backendWritesStridedAndTransposedOutputs() {
        int rows = 3;
        int cols = Differential.LANES + 3;
        float[] v = withSpecials(rows * cols);
        float[] w = withSpecials(rows * cols);
        for (Layout layout : Layout.values()) {
            Tensor x = Differential.place(Layout.values()[(layout.ordinal() + 2) % 4], v, rows, cols);
            Tensor y = Differential.place(Layout.CONTIGUOUS, w, rows, cols);
            Tensor out = Differential.empty(layout, DType.F32, rows, cols);
            CpuBackend.INSTANCE.unary(UnaryOp.TANH, viewOf(x), viewOf(out), 0, 0);
            double[] xd = Differential.widen(v);
            double[] want = new double[xd.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = Math.tanh(xd[i]);
            }
            assertAgrees("tanh into " + layout, want, out, Tolerances.unary(UnaryOp.TANH).forward(xd, want));
            assertOnlyViewWritten("tanh into " + layout, out);
            Tensor sum = Differential.empty(layout, DType.F32, rows, cols);
            CpuBackend.INSTANCE.binary(BinaryOp.ADD, viewOf(x), viewOf(y), viewOf(sum));
            for (int i = 0; i < want.length; i++) {
                want[i] = xd[i] + w[i];
            }
            assertAgrees("add into " + layout, want, sum, Tolerances.binary(want));
            assertOnlyViewWritten("add into " + layout, sum);
            Tensor soft = Differential.empty(layout, DType.F32, rows, cols);
            Tensor soft64 = Differential.f64(rows, cols);
            CpuBackend.INSTANCE.softmax(viewOf(x), viewOf(soft), true);
            RowsReference.softmax(viewOf(x), viewOf(soft64), true);
            assertAgrees("log-softmax into " + layout, soft64.toDoubleArray(), soft, Tolerances.logSoftmax(xd, cols));
            assertOnlyViewWritten("log-softmax into " + layout, soft);
        }
    }

    /** The Tensor API (unary ops with autograd, binary ops, in-place ops) on views, against the same calls in float64. */
    @Test
    void publicApiOnViewsAgreesWithFloat64() {
        int rows = 5;
        int cols = 2 * Differential.LANES + 3;
        for (Layout layout : Layout.values()) {
            for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.GELU, UnaryOp.RELU, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SQRT}) {
                float[] v = inputs(op, rows * cols);
                Tensor x = Differential.place(layout, v, rows, cols).requiresGrad(true);
                Tensor x64 = x.detach().to(DType.F64).requiresGrad(true);
                Tensor y = Elementwise.unary(op, x, a(op), b(op));
                Tensor y64 = Elementwise.unary(op, x64, a(op), b(op));
                double[] xd = Differential.widen(v);
                double[] yd = y64.toDoubleArray();
                String what = "Tensor " + op + " " + layout;
                assertAgrees(what, yd, y, Tolerances.unary(op).forward(xd, yd));
                Tensor g = Tensor.of(Differential.normal(rnd, rows * cols, 1), rows, cols);
                y.backward(g);
                // the derivative's reference starts from the float32 output autograd saved
                double[] d = new double[v.length];
                double[] gx = new double[v.length];
                float[] yf = y.toFloatArray();
                float[] gf = g.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    d[i] = op.derivative(v[i], yf[i], a(op), b(op));
                    gx[i] = gf[i] * d[i];
                }
                assertAgrees(what + " gradient", gx, x.grad(), Tolerances.unary(op).backward(xd, d, Differential.widen(gf), gx));
            }
            float[] av = withSpecials(rows * cols);
            float[] bv = withSpecials(cols);
            Tensor a = Differential.place(layout, av, rows, cols);
            Tensor b = Differential.broadcastRows(bv, rows, cols);
            double[] w = a.to(DType.F64).mul(b.to(DType.F64)).toDoubleArray();
            assertAgrees("Tensor mul " + layout, w, a.mul(b), Tolerances.binary(w));
            w = a.to(DType.F64).maximum(b.to(DType.F64)).toDoubleArray();
            assertAgrees("Tensor maximum " + layout, w, a.maximum(b), Tolerances.EXACT);
            // in place on a view: only the view's elements change
            Tensor target = Differential.place(layout, av, rows, cols);
            w = target.to(DType.F64).add(b.to(DType.F64)).toDoubleArray();
            target.addInPlace(b, 1.0);
            assertAgrees("addInPlace on " + layout, w, target, Tolerances.binary(w));
            assertOnlyViewWritten("addInPlace on " + layout, target);
            Tensor r = F.relu(Differential.place(layout, av, rows, cols));
            double[] rw = F.relu(a.to(DType.F64)).toDoubleArray();
            assertAgrees("F.relu " + layout, rw, r, Tolerances.EXACT);
        }
    }
}
