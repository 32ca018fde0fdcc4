package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import panface.tensor.Assertions2;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;
import panface.tensor.random.Generator;

/** The fused linear epilogue act(x + bias) against the unfused ops, forward and both gradients. */
class BiasActivationTest {

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"RELU", "RELU6", "LEAKY_RELU", "SIGMOID", "TANH", "SILU", "GELU", "GELU_TANH",
            "HARDSWISH", "HARDSIGMOID"})
    void matchesAddThenActivate(UnaryOp act) {
        Generator g = new Generator(act.ordinal());
        Tensor x0 = Tensor.randn(g, 2, 5, 7).mul(3).to(DType.F64);
        Tensor b0 = Tensor.randn(g, 7).to(DType.F64);
        Tensor up = Tensor.randn(g, 2, 5, 7).to(DType.F64);
        double slope = 0.07;

        Tensor x1 = x0.detach().requiresGrad(true);
        Tensor b1 = b0.detach().requiresGrad(true);
        Tensor want = Elementwise.unary(act, x1.add(b1), slope, 0);
        want.backward(up);

        Tensor x2 = x0.detach().requiresGrad(true);
        Tensor b2 = b0.detach().requiresGrad(true);
        Tensor got = F.biasActivation(x2, b2, act, slope);
        got.backward(up);

        Assertions2.assertClose(want, got, 1e-12, 1e-12);
        Assertions2.assertClose(x1.grad(), x2.grad(), 1e-12, 1e-12);
        Assertions2.assertClose(b1.grad(), b2.grad(), 1e-12, 1e-12);
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"GELU", "RELU6"})
    void linearActivationIsTheActivationOfTheLinearLayer(UnaryOp act) {
        Generator g = new Generator(9);
        Tensor x = Tensor.randn(g, 6, 8).to(DType.F64).requiresGrad(true);
        Tensor w = Tensor.randn(g, 4, 8).to(DType.F64).requiresGrad(true);
        Tensor b = Tensor.randn(g, 4).to(DType.F64).requiresGrad(true);
        Tensor y = F.linearActivation(x, w, b, act, 0);
        Tensor want = Elementwise.unary(act, F.linear(x.detach(), w.detach(), b.detach()), 0, 0);
        Assertions2.assertClose(want, y, 1e-12, 1e-12);
        GradCheck.check("linearActivation", in -> F.linearActivation(in[0], in[1], in[2], act, 0), x, w, b);
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"EXP", "NOT", "CLAMP"})
    void onlyActivationsAreAccepted(UnaryOp op) {
        assertThrows(IllegalArgumentException.class, () -> F.biasActivation(Tensor.zeros(2, 3), Tensor.zeros(3), op, 0));
    }
}
