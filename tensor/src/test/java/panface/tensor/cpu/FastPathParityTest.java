package panface.tensor.cpu;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.elementwise.ElementwiseReference;
import panface.tensor.cpu.elementwise.VecUnary;
import panface.tensor.cpu.rows.RowsReference;
import panface.tensor.random.Generator;

/**
 * The float32 vector kernels against the double reference kernels: every unary op and its
 * derivative (with NaN, infinities and kinks), broadcast binary ops, reductions, softmax and
 * layer norm, at odd lengths, storage offsets and sizes large enough to run on several threads.
 */
class FastPathParityTest {
    private final Generator gen = new Generator(2024);

    private Tensor data(int n, double scale) {
        Tensor t = Tensor.randn(gen, n + 5).mul(scale);
        float[] v = t.toFloatArray();
        float[] specials = {0f, -0f, 6f, -3f, 3f, Float.NaN, 1e-30f, -1e-30f, 40f, -40f};
        for (int i = 0; i < specials.length && i < n; i++) {
            v[i * 7 % n + 5] = specials[i];
        }
        return Tensor.of(v, n + 5).narrow(0, 5, n);
    }

    private static void close(String what, float[] want, float[] got, double atol, double rtol) {
        for (int i = 0; i < want.length; i++) {
            float w = want[i];
            float g = got[i];
            if (Float.isNaN(w) && Float.isNaN(g) || w == g) {
                continue;
            }
            if (!(Math.abs(w - g) <= atol + rtol * Math.abs(w))) {
                fail(what + " element " + i + ": fast " + g + ", reference " + w);
            }
        }
    }

    @Test
    void unaryOpsAndTheirDerivatives() {
        for (int n : new int[] {37, 70_001}) {
            for (UnaryOp op : UnaryOp.values()) {
                if (!VecUnary.supports(op)) {
                    continue;
                }
                double scale = op == UnaryOp.ACOS ? 0.5 : op == UnaryOp.EXP ? 10 : 3;
                Tensor x = data(n, scale);
                if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW || op == UnaryOp.RECIPROCAL) {
                    // keep away from 0: there the float32 derivative overflows (as PyTorch's does) while the reference's does not
                    x = x.abs().add(0.01);
                }
                double a = op == UnaryOp.POW ? 1.7 : op == UnaryOp.CLAMP ? -0.5 : 0.2;
                double b = op == UnaryOp.CLAMP ? 2.0 : 0.3;
                Tensor ref = Tensor.zerosLike(x);
                Tensor fast = Tensor.zerosLike(x);
                ElementwiseReference.unary(op, viewOf(x), viewOf(ref), a, b);
                assertTrue(Chosen.unary(op, x, fast, a, b));
                double atol = op == UnaryOp.GELU ? 6e-7 * 3 : op == UnaryOp.ERF ? 3e-7 : 1e-6;
                close(op + " forward n=" + n, ref.toFloatArray(), fast.toFloatArray(), atol, 2e-6);
                Tensor gy = data(n, 1);
                Tensor gRef = Tensor.zerosLike(x);
                Tensor gFast = Tensor.zerosLike(x);
                ElementwiseReference.unaryBackward(op, viewOf(x), viewOf(ref), viewOf(gy), viewOf(gRef), a, b);
                assertTrue(Chosen.unaryBackward(op, x, ref, gy, gFast, a, b));
                close(op + " backward n=" + n, gRef.toFloatArray(), gFast.toFloatArray(), atol * 4, 1e-5);
            }
        }
    }

    @Test
    void binaryOpsWithBroadcasting() {
        int[][][] shapes = {{{7, 33}, {7, 33}}, {{7, 33}, {33}}, {{7, 33}, {7, 1}}, {{1}, {5, 9}}, {{3, 1, 40}, {5, 40}}, {{300, 257}, {257}}};
        for (int[][] s : shapes) {
            Tensor a = Tensor.randn(gen, s[0]);
            Tensor b = Tensor.randn(gen, s[1]).add(3);
            int[] out = panface.tensor.Shape.broadcast(s[0], s[1]);
            for (BinaryOp op : Arrays.stream(BinaryOp.values()).filter(BinaryOp::hasVectorForm).toList()) {
                Tensor ae = panface.tensor.ops.Views.broadcastTo(a, out);
                Tensor be = panface.tensor.ops.Views.broadcastTo(b, out);
                Tensor ref = Tensor.zeros(out);
                Tensor fast = Tensor.zeros(out);
                ElementwiseReference.binary(op, viewOf(ae), viewOf(be), viewOf(ref));
                assertTrue(Chosen.binary(op, ae, be, fast), op + " " + java.util.Arrays.deepToString(s));
                close(op.name(), ref.toFloatArray(), fast.toFloatArray(), 0, 1e-7);
            }
        }
    }

    @Test
    void reductionsSoftmaxAndLayerNorm() {
        for (int[] shape : new int[][] {{5, 37}, {2000, 131}, {3, 4, 512}}) {
            Tensor x = Tensor.randn(gen, shape).mul(4);
            int last = shape.length - 1;
            for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
                int[] ks = shape.clone();
                ks[last] = 1;
                Tensor ref = Tensor.zeros(ks);
                Tensor fast = Tensor.zeros(ks);
                RowsReference.reduce(op, viewOf(x), new int[] {last}, viewOf(ref));
                assertTrue(Chosen.reduce(op, x, new int[] {last}, fast));
                close(op + " rows", ref.toFloatArray(), fast.toFloatArray(), 1e-4, 1e-5);
            }
            int[] lead = new int[last];
            for (int i = 0; i < last; i++) {
                lead[i] = i;
            }
            int[] cs = shape.clone();
            for (int i = 0; i < last; i++) {
                cs[i] = 1;
            }
            Tensor ref = Tensor.zeros(cs);
            Tensor fast = Tensor.zeros(cs);
            RowsReference.reduce(ReduceOp.SUM, viewOf(x), lead, viewOf(ref));
            assertTrue(Chosen.reduce(ReduceOp.SUM, x, lead, fast));
            close("column sums", ref.toFloatArray(), fast.toFloatArray(), 1e-3, 1e-5);
            for (boolean log : new boolean[] {false, true}) {
                Tensor r = Tensor.zerosLike(x);
                Tensor f = Tensor.zerosLike(x);
                RowsReference.softmax(viewOf(x), viewOf(r), log);
                assertTrue(Chosen.softmax(x, f, log));
                // log-softmax subtracts numbers of the inputs' magnitude: float32 leaves ~1e-6 absolute
                close("softmax log=" + log, r.toFloatArray(), f.toFloatArray(), 1e-5, 1e-5);
                Tensor g = Tensor.randn(gen, shape);
                Tensor gr = Tensor.zerosLike(x);
                Tensor gf = Tensor.zerosLike(x);
                RowsReference.softmaxBackward(viewOf(r), viewOf(g), viewOf(gr), log);
                assertTrue(Chosen.softmaxBackward(r, g, gf, log));
                close("softmax backward log=" + log, gr.toFloatArray(), gf.toFloatArray(), 1e-5, 1e-4);
            }
            int cols = shape[last];
            int rows = x.numel() / cols;
            Tensor x2 = x.reshape(rows, cols).add(5);
            Tensor w = Tensor.randn(gen, cols);
            Tensor b = Tensor.randn(gen, cols);
            Tensor[] r = {Tensor.zeros(rows, cols), Tensor.zeros(rows), Tensor.zeros(rows)};
            Tensor[] f = {Tensor.zeros(rows, cols), Tensor.zeros(rows), Tensor.zeros(rows)};
            RowsReference.layerNorm(viewOf(x2), viewOf(w), viewOf(b), 1e-5, (r[0]).asView(), (r[1]).asView(), (r[2]).asView());
            assertTrue(Chosen.layerNorm(x2, w, b, 1e-5, f[0], f[1], f[2]));
            close("layerNorm", r[0].toFloatArray(), f[0].toFloatArray(), 1e-5, 1e-4);
            Tensor g = Tensor.randn(gen, rows, cols);
            Tensor[] gr = {Tensor.zeros(rows, cols), Tensor.zeros(cols), Tensor.zeros(cols)};
            Tensor[] gf = {Tensor.zeros(rows, cols), Tensor.zeros(cols), Tensor.zeros(cols)};
            RowsReference.layerNormBackward(viewOf(x2), viewOf(w), (r[1]).asView(), (r[2]).asView(), viewOf(g), (gr[0]).asView(), (gr[1]).asView(), (gr[2]).asView());
            assertTrue(Chosen.layerNormBackward(x2, w, r[1], r[2], g, gf[0], gf[1], gf[2]));
            for (int i = 0; i < 3; i++) {
                close("layerNorm backward " + i, gr[i].toFloatArray(), gf[i].toFloatArray(), 1e-3, 1e-4);
            }
        }
    }

    @Test
    void fallsBackWhereTheLayoutDoesNotFit() {
        Tensor x = Tensor.randn(gen, 4, 6).transpose(0, 1);
        assertTrue(!Chosen.unary(UnaryOp.EXP, x, Tensor.zeros(6, 4), 0, 0));
        assertTrue(!Chosen.unary(UnaryOp.EXP, x.to(DType.F64), Tensor.zeros(DType.F64, 6, 4), 0, 0));
    }
}
