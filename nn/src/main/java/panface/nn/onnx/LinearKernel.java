package panface.nn.onnx;

import panface.tensor.F;
import panface.tensor.PrepackedWeight;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;

/**
 * A product with a constant weight, act(x W^T + b) or residual + x W^T + b, the form of our Linear
 * layer: the loader makes one from MatMul or Gemm nodes whose weight is a constant (with a following
 * bias Add, activation or residual Add merged in), so that an inference plan of the model
 * ({@link OnnxModel#compileInference}) packs the weight for the CPU GEMM kernel once, as it does for
 * our own models.
 */
final class LinearKernel implements Kernel {
    private final Tensor weight;
    private final Tensor bias;
    private final UnaryOp act;
    private final double a;
    private final boolean residual;

    /**
     * @param weight   (out, in), contiguous
     * @param bias     (out) or null
     * @param act      an activation applied after the bias, or null
     * @param residual true when input 1 is added to the product (then act is null)
     */
    LinearKernel(Tensor weight, Tensor bias, UnaryOp act, double a, boolean residual) {
        this.weight = weight;
        this.bias = bias;
        this.act = act;
        this.a = a;
        this.residual = residual;
    }

    LinearKernel withActivation(UnaryOp op, double alpha) {
        return new LinearKernel(weight, bias, op, alpha, false);
    }

    LinearKernel withResidual() {
        return new LinearKernel(weight, bias, null, 0, true);
    }

    boolean plain() {
        return act == null && !residual;
    }

    /** The weight (out, in). */
    Tensor weight() {
        return weight;
    }

    int outFeatures() {
        return weight.size(0);
    }

    @Override
    public Tensor[] run(Tensor[] in) {
        return run(in, null);
    }

    @Override
    public Tensor[] run(Tensor[] in, Object prepared) {
        Tensor x = in[0];
        if (x.size(x.dim() - 1) != weight.size(1)) {
            throw new NodeError("input " + java.util.Arrays.toString(x.shape()) + " does not fit a weight of " + weight.size(1)
                    + " input features");
        }
        PrepackedWeight p = (PrepackedWeight) prepared;
        Tensor y;
        if (residual) {
            Tensor r = in[1];
            boolean sameShape = java.util.Arrays.equals(r.shape(), outShape(x));
            y = p != null && sameShape ? F.linearResidual(x, p, bias, r) : r.add(p != null ? F.linear(x, p, bias) : F.linear(x, weight, bias));
        } else if (act != null) {
            y = p != null ? F.linearActivation(x, p, bias, act, a) : F.linearActivation(x, weight, bias, act, a);
        } else {
            y = p != null ? F.linear(x, p, bias) : F.linear(x, weight, bias);
        }
        return new Tensor[] {y};
    }

    private int[] outShape(Tensor x) {
        int[] s = x.shape();
        s[s.length - 1] = weight.size(0);
        return s;
    }

    @Override
    public Tensor preparable() {
        return weight;
    }

    @Override
    public Object prepare() {
        return PrepackedWeight.of(weight);
    }
}
