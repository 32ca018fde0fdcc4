package panface.nn.onnx;

import java.util.Arrays;
import java.util.List;

import panface.tensor.DType;
import panface.tensor.Tensor;

/**
 * The operators the importer runs, by ONNX name, and helpers shared by their builders. Each
 * builder reads the node's attributes (for the node's opset) at load time and returns a kernel;
 * anything it does not understand is a {@link NodeError} then, never a different result later.
 */
final class Ops {
    /** The operators of the default ONNX domain that {@link #build} accepts. */
    static final List<String> SUPPORTED = List.of("Conv", "ConvTranspose", "BatchNormalization", "PRelu", "Relu", "LeakyRelu", "Clip", "Sigmoid",
            "HardSigmoid", "HardSwish", "Tanh", "Erf", "Gelu", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Exp", "Log", "Abs",
            "Reciprocal", "MatMul", "Gemm", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice",
            "Gather", "Shape", "Constant", "ConstantOfShape", "Expand", "Identity", "Dropout", "Cast", "Softmax", "LayerNormalization",
            "ReduceMean", "ReduceSum", "ReduceMin", "ReduceMax", "GlobalAveragePool", "AveragePool", "MaxPool", "Pad", "Resize", "Where", "Equal", "Less",
            "Greater", "Not", "GridSample");

    private Ops() {
    }

    /** The kernel of a node. */
    static Kernel build(NodeSpec n) {
        Kernel k = switch (n.op()) {
            case "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather", "Shape", "Constant",
                 "ConstantOfShape", "Expand", "Identity", "Dropout", "Cast", "Pad", "Resize" -> ShapeOps.build(n);
            case "Conv", "ConvTranspose", "BatchNormalization", "MatMul", "Gemm", "Softmax", "LayerNormalization", "ReduceMean", "ReduceSum",
                 "ReduceMin", "ReduceMax", "GlobalAveragePool", "AveragePool", "MaxPool", "GridSample" -> LayerOps.build(n);
            default -> MathOps.build(n);
        };
        n.checkAllRead();
        return k;
    }

    static int[] toInts(long[] v, String what) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                throw new NodeError(what + " value " + v[i] + " is out of range");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** The values of an integer (or any) tensor as longs. */
    static long[] longs(Tensor t) {
        return t.dtype() == DType.I64 ? t.contiguous().toLongArray() : t.to(DType.I64).contiguous().toLongArray();
    }

    /** An axis in [0, rank) from ONNX's [-rank, rank). */
    static int axis(long a, int rank, String what) {
        long v = a < 0 ? a + rank : a;
        if (v < 0 || v >= rank) {
            throw new NodeError(what + " " + a + " is outside a tensor of rank " + rank);
        }
        return (int) v;
    }

    static int[] axes(long[] a, int rank, String what) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = axis(a[i], rank, what);
        }
        return out;
    }

    /** The numpy broadcast of two shapes. */
    static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i < r - a.length ? 1 : a[i - (r - a.length)];
            int y = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw new NodeError("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** Fails unless an input is a constant; returns it. */
    static Tensor requireConstant(NodeSpec n, int i, String what) {
        Tensor t = n.constant(i);
        if (t == null && n.has(i)) {
            throw new NodeError(what + " (input " + i + ") must be a constant of the graph");
        }
        return t;
    }
}
