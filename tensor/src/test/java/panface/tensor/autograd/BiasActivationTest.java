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

    @org.junit.jupiter.api.Test
    void biasGradientInThePassEqualsTheColumnSumOfTheInputGradient() {
        // large same-sign upstream gradients over an odd number of rows (a short last group) and
        // an odd width: the sum summed in the backward's pass must be the engine's column sum of
        // the same gz to the bit, and within float32 rounding of sums of up to 4099 terms of 1e4
        // of the float64 sum
        Generator g = new Generator(12);
        int rows = 4099;
        int cols = 53;
        Tensor x = Tensor.rand(g, rows, cols).add(0.5).requiresGrad(true);
        Tensor b = Tensor.rand(g, cols).requiresGrad(true);
        Tensor up = Tensor.rand(g, rows, cols).mul(1e4).add(1e4);
        F.biasActivation(x, b, UnaryOp.RELU, 0).backward(up);
        float[] gb = b.grad().toFloatArray();
        float[] columnSums = x.grad().sum(0, false).toFloatArray();
        float[] uv = up.toFloatArray();
        for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                sum += uv[i * cols + j];
            }
            org.junit.jupiter.api.Assertions.assertEquals(columnSums[j], gb[j], 0f, "gbias against the column sum at " + j);
            // blocks of about 64 rows: about 64 + 64 roundings of the partial sums, each 2^-24 relative
            org.junit.jupiter.api.Assertions.assertEquals(sum, gb[j], sum * 1e-5, "gbias against float64 at " + j);
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"RELU", "RELU6"})
    void float32GradientsMatchAHandComputation(UnaryOp act) {
        // float32 rows in several groups and a short last one (the CPU kernel sums the bias
        // gradient by groups of rows in the same pass), against sums in float64 written out here
        Generator g = new Generator(11);
        int rows = 301;
        int cols = 37;
        Tensor x = Tensor.randn(g, rows, cols).mul(4).requiresGrad(true);
        Tensor b = Tensor.randn(g, cols).requiresGrad(true);
        Tensor up = Tensor.randn(g, rows, cols);
        F.biasActivation(x, b, act, 0).backward(up);
        float[] xv = x.detach().toFloatArray();
        float[] bv = b.detach().toFloatArray();
        float[] uv = up.toFloatArray();
        float[] gx = x.grad().toFloatArray();
        float[] gb = b.grad().toFloatArray();
        for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                double z = (double) xv[i * cols + j] + bv[j];
                double slope = z > 0 && (act != UnaryOp.RELU6 || z < 6) ? 1 : 0;
                double want = uv[i * cols + j] * slope;
                // one float32 rounding of x + bias may move z across a kink only when it lies within an ulp of it
                org.junit.jupiter.api.Assertions.assertEquals(want, gx[i * cols + j], 1e-6, "gx at " + i + "," + j);
                sum += want;
            }
            // float32 sums of about 300 terms of size about 1
            org.junit.jupiter.api.Assertions.assertEquals(sum, gb[j], 1e-4, "gbias at " + j);
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"EXP", "NOT", "CLAMP"})
    void onlyActivationsAreAccepted(UnaryOp op) {
        assertThrows(IllegalArgumentException.class, () -> F.biasActivation(Tensor.zeros(2, 3), Tensor.zeros(3), op, 0));
    }
}
