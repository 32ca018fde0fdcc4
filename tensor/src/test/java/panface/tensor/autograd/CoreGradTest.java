package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;
import panface.tensor.random.Generator;

/** Gradient checks of the core ops (elementwise, views, reductions, matmul) and engine behaviour. */
class CoreGradTest {
    private static final Generator GEN = new Generator(7);

    static Tensor rnd(int... shape) {
        return Tensor.randn(GEN, shape).to(DType.F64).requiresGrad(true);
    }

    static Tensor positive(int... shape) {
        return Tensor.rand(GEN, shape).to(DType.F64).add(0.5).detach().requiresGrad(true);
    }

    static void check(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void unaryOps() {
        for (UnaryOp op : UnaryOp.values()) {
            if (op.isPiecewiseConstant()) {
                continue;
            }
            boolean needsPositive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.RECIPROCAL
                    || op == UnaryOp.POW;
            Tensor x = needsPositive ? positive(3, 4) : op == UnaryOp.ACOS ? Tensor.rand(GEN, 3, 4).to(DType.F64).mul(1.6).sub(0.8).detach()
                    .requiresGrad(true) : rnd(3, 4).mul(2.5).detach().requiresGrad(true);
            double a = op == UnaryOp.POW ? 2.7 : op == UnaryOp.CLAMP ? -0.7 : op == UnaryOp.LEAKY_RELU ? 0.1 : 1.7;
            double b = op == UnaryOp.CLAMP ? 0.9 : 0.3;
            check(op.name(), in -> Elementwise.unary(op, in[0], a, b), x);
        }
    }

    @Test
    void binaryOpsWithBroadcasting() {
        check("add", in -> in[0].add(in[1]), rnd(2, 3), rnd(3));
        check("sub", in -> in[0].sub(in[1]), rnd(2, 1, 3), rnd(4, 1));
        check("mul", in -> in[0].mul(in[1]), rnd(2, 3), rnd(2, 1));
        check("div", in -> in[0].div(in[1]), rnd(2, 3), positive(3));
        check("maximum", in -> in[0].maximum(in[1]), rnd(3, 4), rnd(4));
        check("minimum", in -> in[0].minimum(in[1]), rnd(3, 4), rnd(3, 1));
        check("pow", in -> in[0].pow(in[1]), positive(3, 2), rnd(2));
        check("where", in -> F.where(in[0].gt(0.0), in[0], in[1].mul(3)), rnd(3, 4), rnd(4));
    }

    @Test
    void viewOps() {
        check("reshape", in -> in[0].reshape(4, 3).mul(in[0].reshape(4, 3)), rnd(2, 6));
        check("permute", in -> in[0].permute(2, 0, 1).contiguous(), rnd(2, 3, 4));
        check("transpose", in -> in[0].transpose(0, 2), rnd(2, 3, 4));
        check("narrow", in -> in[0].narrow(1, 1, 2), rnd(3, 4));
        check("slice", in -> in[0].slice(0, 1, 6, 2), rnd(7, 2));
        check("select", in -> in[0].select(1, -1), rnd(3, 4));
        check("expand", in -> in[0].expand(3, 2, 4), rnd(2, 1));
        check("squeeze/unsqueeze", in -> in[0].squeeze(1).unsqueeze(0), rnd(3, 1, 2));
    }

    @Test
    void reductionOps() {
        check("sum all", in -> in[0].sum(), rnd(3, 4));
        check("sum dims", in -> in[0].sum(new int[] {0, 2}, false), rnd(2, 3, 4));
        check("mean keepdim", in -> in[0].mean(1, true), rnd(2, 3, 4));
        check("max dim", in -> in[0].max(1, false), rnd(4, 5));
        check("min dim", in -> in[0].min(0, true), rnd(4, 5));
        check("amax", in -> in[0].max(), rnd(4, 5));
        check("var", in -> in[0].var(new int[] {1}, 1, false), rnd(3, 6));
        check("var population", in -> in[0].var(new int[] {0, 1}, 0, true), rnd(3, 6));
        check("norm2", in -> in[0].norm(2, new int[] {1}, false), rnd(3, 6));
        check("norm1", in -> in[0].norm(1, new int[] {1}, false), rnd(3, 6));
        check("norm3", in -> in[0].norm(3, null, false), rnd(3, 6));
        check("norm inf", in -> in[0].norm(Double.POSITIVE_INFINITY, new int[] {0}, false), rnd(3, 6));
    }

    @Test
    void matmulOps() {
        check("mm", in -> in[0].matmul(in[1]), rnd(3, 4), rnd(4, 5));
        check("bmm broadcast", in -> in[0].matmul(in[1]), rnd(2, 1, 3, 4), rnd(3, 4, 2));
        check("matmul folded", in -> in[0].matmul(in[1]), rnd(2, 3, 4), rnd(4, 5));
        check("mv", in -> in[0].matmul(in[1]), rnd(3, 4), rnd(4));
        check("vm", in -> in[0].matmul(in[1]), rnd(4), rnd(4, 2));
        check("dot", in -> in[0].matmul(in[1]), rnd(4), rnd(4));
        check("transposed operands", in -> in[0].mT().matmul(in[1].mT()), rnd(4, 3), rnd(5, 4));
        check("linear", in -> F.linear(in[0], in[1], in[2]), rnd(2, 3, 4), rnd(5, 4), rnd(5));
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor w = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        w.mul(2).sum().backward();
        w.mul(w).sum().backward();
        assertArrayEquals(new double[] {4, 6, 8}, w.grad().toDoubleArray());
        w.zeroGrad();
        assertArrayEquals(new double[] {0, 0, 0}, w.grad().toDoubleArray());
    }

    @Test
    void sharedSubexpressionsSumTheirGradients() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor y = x.mul(x);
        y.add(y).add(x).sum().backward();
        assertEquals(4 * 2 + 1, x.grad().item());
    }

    @Test
    void noGradAndDetachStopRecording() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        try (var g = GradMode.noGrad()) {
            Tensor y = x.mul(3);
            assertFalse(y.requiresGrad());
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(x.detach().mul(3).requiresGrad());
        Tensor z = x.mul(2);
        assertTrue(z.requiresGrad());
        assertFalse(z.isLeaf());
    }

    @Test
    void savedTensorsAreReleasedAfterBackward() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("already freed"), e.getMessage());
        Tensor z = x.exp().sum();
        z.backward(null, true);
        z.backward(null, false);
        assertArrayEquals(new double[] {3 * Math.E, 3 * Math.exp(2)}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void castsPassTheGradientBackInTheInputType() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        x.to(DType.F32).mul(3).sum().backward();
        assertEquals(DType.F64, x.grad().dtype());
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray());
    }

    @Test
    void inPlaceOnGraphTensorsIsRefused() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> x.mulInPlace(2));
        try (var g = GradMode.noGrad()) {
            x.mulInPlace(2);
        }
        assertArrayEquals(new double[] {2, 4}, x.toDoubleArray());
    }

    @Test
    void integerTensorsCannotRequireGrad() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(3).requiresGrad(true));
        assertNull(Tensor.zeros(2).grad());
    }

    @Test
    void gradCheckCatchesAWrongGradient() {
        Function<Tensor[], Tensor> wrong = in -> {
            Tensor y = in[0].detach().square();
            return y.withGradFn(new Node("wrong-square", in[0]) {
                @Override
                public Tensor[] backward(Tensor g) {
                    return new Tensor[] {g.mul(input(0)).mul(3)};
                }
            });
        };
        assertThrows(AssertionError.class, () -> GradCheck.check("wrong", wrong, rnd(4)));
    }
}
