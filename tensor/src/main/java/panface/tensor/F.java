package panface.tensor;

import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;
import panface.tensor.ops.LinearAlgebra;

/**
 * Functions on tensors, named as in PyTorch's {@code torch.nn.functional}: activations, linear
 * layers, normalisation, losses, convolution and pooling, attention, indexing.
 */
public final class F {
    private F() {
    }

    // ---- activations --------------------------------------------------------------------------

    public static Tensor relu(Tensor x) {
        return Elementwise.unary(UnaryOp.RELU, x, 0, 0);
    }

    /** min(max(x, 0), 6), the face ViT's MLP activation. */
    public static Tensor relu6(Tensor x) {
        return Elementwise.unary(UnaryOp.RELU6, x, 0, 0);
    }

    public static Tensor leakyRelu(Tensor x, double slope) {
        return Elementwise.unary(UnaryOp.LEAKY_RELU, x, slope, 0);
    }

    /** GELU with the exact normal CDF (PyTorch's approximate="none"). */
    public static Tensor gelu(Tensor x) {
        return Elementwise.unary(UnaryOp.GELU, x, 0, 0);
    }

    /** GELU with PyTorch's tanh approximation (approximate="tanh"). */
    public static Tensor geluTanh(Tensor x) {
        return Elementwise.unary(UnaryOp.GELU_TANH, x, 0, 0);
    }

    public static Tensor sigmoid(Tensor x) {
        return Elementwise.unary(UnaryOp.SIGMOID, x, 0, 0);
    }

    public static Tensor tanh(Tensor x) {
        return Elementwise.unary(UnaryOp.TANH, x, 0, 0);
    }

    public static Tensor silu(Tensor x) {
        return Elementwise.unary(UnaryOp.SILU, x, 0, 0);
    }

    public static Tensor hardswish(Tensor x) {
        return Elementwise.unary(UnaryOp.HARDSWISH, x, 0, 0);
    }

    public static Tensor hardsigmoid(Tensor x) {
        return Elementwise.unary(UnaryOp.HARDSIGMOID, x, 0, 0);
    }

    /** cond ? a : b with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Elementwise.where(cond, a, b);
    }

    // ---- linear ---------------------------------------------------------------------------------

    /** x @ weight^T + bias; weight (OUT, IN), bias (OUT) or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    /** PyTorch's matmul. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return LinearAlgebra.matmul(a, b);
    }
}
