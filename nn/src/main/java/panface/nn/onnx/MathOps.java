package panface.nn.onnx;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;

/** Elementwise operators: activations, arithmetic with broadcasting, comparisons and selection. */
final class MathOps {
    private MathOps() {
    }

    static Kernel build(NodeSpec n) {
        return switch (n.op()) {
            case "Relu" -> (Kernel.Single) in -> F.relu(in[0]);
            case "LeakyRelu" -> {
                double alpha = n.f("alpha", 0.01f);
                yield (Kernel.Single) in -> F.leakyRelu(in[0], alpha);
            }
            case "Sigmoid" -> (Kernel.Single) in -> F.sigmoid(in[0]);
            case "Tanh" -> (Kernel.Single) in -> F.tanh(in[0]);
            case "Erf" -> (Kernel.Single) in -> Elementwise.unary(UnaryOp.ERF, in[0], 0, 0);
            case "HardSwish" -> (Kernel.Single) in -> F.hardswish(in[0]);
            case "HardSigmoid" -> hardSigmoid(n);
            case "Gelu" -> {
                String approximate = n.s("approximate", "none");
                if (!approximate.equals("none") && !approximate.equals("tanh")) {
                    throw new NodeError("Gelu approximate '" + approximate + "' is not supported");
                }
                yield approximate.equals("none") ? (Kernel.Single) in -> F.gelu(in[0]) : (Kernel.Single) in -> F.geluTanh(in[0]);
            }
            case "Clip" -> clip(n);
            case "PRelu" -> (Kernel.Single) in -> prelu(in[0], in[1]);
            case "Sqrt" -> (Kernel.Single) in -> in[0].sqrt();
            case "Neg" -> (Kernel.Single) in -> in[0].neg();
            case "Exp" -> (Kernel.Single) in -> in[0].exp();
            case "Log" -> (Kernel.Single) in -> in[0].log();
            case "Abs" -> (Kernel.Single) in -> in[0].abs();
            case "Reciprocal" -> (Kernel.Single) in -> Elementwise.unary(UnaryOp.RECIPROCAL, in[0], 0, 0);
            case "Add", "Sub", "Mul", "Div" -> binary(n);
            case "Pow" -> (Kernel.Single) in -> pow(in[0], in[1]);
            case "Where" -> (Kernel.Single) in -> F.where(in[0].to(DType.BOOL), in[1], in[2]);
            case "Equal" -> (Kernel.Single) in -> in[0].eq(in[1]);
            case "Less" -> (Kernel.Single) in -> in[0].lt(in[1]);
            case "Greater" -> (Kernel.Single) in -> in[0].gt(in[1]);
            case "Not" -> (Kernel.Single) in -> Elementwise.unary(UnaryOp.NOT, in[0], 0, 0);
            default -> throw new NodeError("operator '" + n.op() + "' is not supported (supported: " + String.join(", ", Ops.SUPPORTED) + ")");
        };
    }

    private static Kernel hardSigmoid(NodeSpec n) {
        double alpha = n.f("alpha", 0.2f);
        double beta = n.f("beta", 0.5f);
        if (Math.abs(alpha - 1.0 / 6) < 1e-7 && beta == 0.5) {
            return (Kernel.Single) in -> F.hardsigmoid(in[0]);
        }
        return (Kernel.Single) in -> Elementwise.unary(UnaryOp.CLAMP, Elementwise.unary(UnaryOp.AFFINE, in[0], alpha, beta), 0, 1);
    }

    private static Kernel clip(NodeSpec n) {
        if (n.opset < 11) {
            double lo = n.f("min", -Float.MAX_VALUE);
            double hi = n.f("max", Float.MAX_VALUE);
            return (Kernel.Single) in -> clamp(in[0], lo, hi);
        }
        return (Kernel.Single) in -> clamp(in[0], bound(in, 1, Double.NEGATIVE_INFINITY), bound(in, 2, Double.POSITIVE_INFINITY));
    }

    private static double bound(Tensor[] in, int i, double dflt) {
        return in.length > i && in[i] != null ? in[i].reshape(1).getDouble(0) : dflt;
    }

    /** min(max(x, lo), hi), as relu or relu6 when the bounds are theirs (the same values, by faster kernels). */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (lo == 0 && hi == 6) {
            return F.relu6(x);
        }
        if (lo == 0 && hi >= Float.MAX_VALUE) {
            return F.relu(x);
        }
        return Elementwise.unary(UnaryOp.CLAMP, x, lo, hi);
    }

    /** ONNX PRelu: the slope broadcasts against x (numpy style); a per-channel slope (C, 1, 1) uses our channel PReLU. */
    static Tensor prelu(Tensor x, Tensor slope) {
        if (slope.numel() == 1 || (x.dim() >= 2 && slope.numel() == x.size(1) && isChannelShaped(slope.shape(), x.dim()))) {
            return F.prelu(x, slope.reshape(slope.numel()));
        }
        return F.where(x.gt(0), x, x.mul(slope));
    }

    /** True for (C), (C, 1), (C, 1, 1) ... shapes that broadcast a slope along dimension 1 of a rank-r tensor. */
    private static boolean isChannelShaped(int[] s, int rank) {
        if (s.length != rank - 1) {
            return false;
        }
        for (int i = 1; i < s.length; i++) {
            if (s[i] != 1) {
                return false;
            }
        }
        return true;
    }

    private static Kernel binary(NodeSpec n) {
        if (n.opset < 7) {
            throw new NodeError("broadcasting with attributes (before opset 7) is not supported");
        }
        return switch (n.op()) {
            case "Add" -> (Kernel.Single) in -> in[0].add(in[1]);
            case "Sub" -> (Kernel.Single) in -> in[0].sub(in[1]);
            case "Mul" -> (Kernel.Single) in -> in[0].mul(in[1]);
            default -> (Kernel.Single) in -> in[0].dtype().isIntegral() && in[1].dtype().isIntegral() ? integerDivide(in[0], in[1])
                    : in[0].div(in[1]);
        };
    }

    /** ONNX integer division truncates (shape arithmetic such as "dimension / heads" uses it). */
    private static Tensor integerDivide(Tensor a, Tensor b) {
        int[] s = Ops.broadcast(a.shape(), b.shape());
        long[] x = Ops.longs(a.expand(s));
        long[] y = Ops.longs(b.expand(s));
        for (int i = 0; i < x.length; i++) {
            if (y[i] == 0) {
                throw new NodeError("integer division by zero");
            }
            x[i] /= y[i];
        }
        Tensor out = Tensor.of(x, s);
        return a.dtype() == DType.I64 ? out : out.to(a.dtype());
    }

    private static Tensor pow(Tensor x, Tensor p) {
        if (p.numel() == 1 && x.dtype().isFloating()) {
            double e = p.reshape(1).getDouble(0);
            return e == 2 ? x.square() : e == 0.5 ? x.sqrt() : x.pow(e);
        }
        return x.pow(p);
    }
}
