package panface.nn.onnx;

import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.backend.UnaryOp;

/**
 * Rewrites of node patterns that exporters emit into the forms our layers run fastest, at load:
 * BatchNormalization after a convolution folds into the convolution's weight and bias (as
 * PyTorch's exporter does in evaluation mode, for files that kept them apart), the activation after a
 * convolution becomes its {@link ConvKernel}'s epilogue, and products with a constant weight become
 * {@link LinearKernel}s with their bias, activation or residual Add merged in.
 */
final class Fusion {
    private Fusion() {
    }

    /**
     * The folded weight and bias of Conv(w, b) followed by BatchNormalization(scale, shift, mean, var, eps):
     * w' = w * s per output channel, b' = (b - mean) * s + shift with s = scale / sqrt(var + eps).
     */
    static Tensor[] foldBatchNorm(Tensor w, Tensor b, Tensor scale, Tensor shift, Tensor mean, Tensor var, double eps) {
        try (var g = GradMode.noGrad()) {
            Tensor s = scale.div(var.add(eps).sqrt());
            int o = w.size(0);
            Tensor w2 = w.mul(s.reshape(o, 1, 1, 1)).contiguous();
            Tensor b0 = b == null ? Tensor.zerosLike(mean) : b;
            Tensor b2 = b0.sub(mean).mul(s).add(shift).contiguous();
            return new Tensor[] {w2, b2};
        }
    }

    /** A linear kernel for x @ w with w (in, out), as MatMul has it. */
    static LinearKernel matmul(Tensor w) {
        try (var g = GradMode.noGrad()) {
            return new LinearKernel(w.mT().contiguous(), null, null, 0, false);
        }
    }

    /**
     * The convolution followed by an activation node, or null when the node is not one the
     * convolution's epilogue applies: Relu, Clip to [0, 6] or [0, inf), LeakyRelu, PRelu with 1 or
     * C constant slopes.
     */
    static ConvKernel convActivation(ConvKernel k, NodeSpec n, int channels) {
        switch (n.op()) {
            case "LeakyRelu" -> {
                double alpha = n.f("alpha", 0.01f);
                n.checkAllRead();
                return k.withActivation(ConvKernel.Act.LEAKY_RELU, alpha, null);
            }
            case "PRelu" -> {
                Tensor slope = n.constant(1);
                if (!(slope != null && slope.dtype() == panface.tensor.DType.F32 && (slope.numel() == 1 || slope.numel() == channels)
                        && channelShaped(slope.shape()))) {
                    return null;
                }
                return k.withActivation(ConvKernel.Act.PRELU, 0, slope);
            }
            default -> {
                UnaryOp a = n.op().equals("Relu") || n.op().equals("Clip") ? activation(n) : null;
                if (a != UnaryOp.RELU && a != UnaryOp.RELU6) {
                    return null;
                }
                n.checkAllRead();
                return k.withActivation(a == UnaryOp.RELU6 ? ConvKernel.Act.RELU6 : ConvKernel.Act.RELU, 0, null);
            }
        }
    }

    /** True for slope shapes that broadcast along the channel axis of (N, C, H, W): (C), (C, 1, 1), (1, C, 1, 1), scalars. */
    private static boolean channelShaped(int[] s) {
        int big = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != 1) {
                big++;
                if (s.length - i != 3 && !(s.length == 1)) {
                    return false;
                }
            }
        }
        return big <= 1 && s.length <= 4;
    }

    /** The activation a Relu or Clip node applies, or null when it is not one our fused epilogues have. */
    static UnaryOp activation(NodeSpec n) {
        return switch (n.op()) {
            case "Relu" -> UnaryOp.RELU;
            case "Gelu" -> switch (n.s("approximate", "none")) {
                case "none" -> UnaryOp.GELU;
                case "tanh" -> UnaryOp.GELU_TANH;
                default -> null;
            };
            case "Clip" -> {
                double lo;
                double hi;
                if (n.opset < 11) {
                    lo = n.f("min", -Float.MAX_VALUE);
                    hi = n.f("max", Float.MAX_VALUE);
                } else {
                    Tensor a = n.constant(1);
                    Tensor b = n.constant(2);
                    if ((n.has(1) && a == null) || (n.has(2) && b == null)) {
                        yield null;
                    }
                    lo = a == null ? Double.NEGATIVE_INFINITY : a.reshape(1).getDouble(0);
                    hi = b == null ? Double.POSITIVE_INFINITY : b.reshape(1).getDouble(0);
                }
                yield lo == 0 && hi == 6 ? UnaryOp.RELU6 : lo == 0 && hi >= Float.MAX_VALUE ? UnaryOp.RELU : null;
            }
            default -> null;
        };
    }
}
