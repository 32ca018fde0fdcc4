package panface.nn.onnx;

import java.util.Map;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.TensorProto;
import panface.nn.onnx.proto.OnnxProto.TensorShapeProto;
import panface.nn.onnx.proto.OnnxProto.TypeProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Writes an ONNX graph layer by layer from a state dict: each call adds the nodes of one layer
 * (weights as initializers under their state-dict keys) and returns the name of its output.
 */
final class GraphWriter {
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final Map<String, Tensor> state;
    private int counter;

    GraphWriter(String name, Map<String, Tensor> state) {
        this.state = state;
        g.setName(name);
    }

    private String fresh(String hint) {
        return hint + "_" + counter++;
    }

    private String weight(String key) {
        Tensor t = state.get(key);
        if (t == null) {
            throw new IllegalArgumentException("the model has no tensor '" + key + "'");
        }
        if (g.getInitializerList().stream().noneMatch(i -> i.getName().equals(key))) {
            g.addInitializer(OnnxTensors.toProto(key, t));
        }
        return key;
    }

    String constant(String name, Tensor t) {
        g.addInitializer(OnnxTensors.toProto(name, t));
        return name;
    }

    Tensor tensor(String key) {
        return state.get(key);
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto f(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
    }

    static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    String node(String op, String[] inputs, AttributeProto... attrs) {
        String out = fresh(op.toLowerCase(java.util.Locale.ROOT));
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        g.addNode(n);
        return out;
    }

    String conv(String x, String prefix, int stride, int pad, int groups) {
        Tensor w = state.get(prefix + ".weight");
        String[] in = state.containsKey(prefix + ".bias") ? new String[] {x, weight(prefix + ".weight"), weight(prefix + ".bias")}
                : new String[] {x, weight(prefix + ".weight")};
        return node("Conv", in, ints("kernel_shape", w.size(2), w.size(3)), ints("strides", stride, stride),
                ints("pads", pad, pad, pad, pad), i("group", groups));
    }

    /** BatchNormalization in evaluation mode; a norm without affine parameters gets scale 1 and shift 0. */
    String batchNorm(String x, String prefix, double eps) {
        String scale;
        String shift;
        if (state.containsKey(prefix + ".weight")) {
            scale = weight(prefix + ".weight");
            shift = weight(prefix + ".bias");
        } else {
            int c = state.get(prefix + ".running_mean").size(0);
            scale = constant(prefix + ".ones", Tensor.ones(c));
            shift = constant(prefix + ".zeros", Tensor.zeros(c));
        }
        return node("BatchNormalization", new String[] {x, scale, shift, weight(prefix + ".running_mean"), weight(prefix + ".running_var")},
                f("epsilon", eps));
    }

    String prelu(String x, String prefix) {
        Tensor w = state.get(prefix + ".weight");
        String key = prefix + ".weight";
        String slope;
        try (var gm = GradMode.noGrad()) {
            slope = constant(key, w.reshape(w.numel(), 1, 1).contiguous());
        }
        return node("PRelu", new String[] {x, slope});
    }

    /** x W^T + b as Gemm (2-D input) with transB. */
    String gemm(String x, String prefix) {
        String[] in = state.containsKey(prefix + ".bias") ? new String[] {x, weight(prefix + ".weight"), weight(prefix + ".bias")}
                : new String[] {x, weight(prefix + ".weight")};
        return node("Gemm", in, i("transB", 1));
    }

    /** x W^T + b for inputs of any rank: MatMul with the transposed weight, then Add. */
    String linear(String x, String prefix) {
        Tensor w = state.get(prefix + ".weight");
        String wt;
        try (var gm = GradMode.noGrad()) {
            wt = constant(prefix + ".weight_t", w.mT().contiguous());
        }
        String y = node("MatMul", new String[] {x, wt});
        return state.containsKey(prefix + ".bias") ? node("Add", new String[] {y, weight(prefix + ".bias")}) : y;
    }

    String layerNorm(String x, String prefix, double eps) {
        return node("LayerNormalization", new String[] {x, weight(prefix + ".weight"), weight(prefix + ".bias")}, i("axis", -1),
                f("epsilon", eps));
    }

    String flatten(String x) {
        return node("Flatten", new String[] {x}, i("axis", 1));
    }

    String reshape(String x, long... shape) {
        return node("Reshape", new String[] {x, constant(fresh("shape"), Tensor.of(shape, shape.length))});
    }

    String transpose(String x, long... perm) {
        return node("Transpose", new String[] {x}, ints("perm", perm));
    }

    String op(String op, String... inputs) {
        return node(op, inputs);
    }

    String clip(String x, double lo, double hi) {
        return node("Clip", new String[] {x, constant(fresh("min"), Tensor.scalar(lo)), constant(fresh("max"), Tensor.scalar(hi))});
    }

    /** x[..., start:end, ...] along one axis, the bounds constants. */
    String slice(String x, int axis, long start, long end) {
        return node("Slice", new String[] {x, constant(fresh("starts"), Tensor.of(new long[] {start}, 1)),
            constant(fresh("ends"), Tensor.of(new long[] {end}, 1)), constant(fresh("axes"), Tensor.of(new long[] {axis}, 1))});
    }

    String gather(String x, long index, int axis) {
        return node("Gather", new String[] {x, constant(fresh("index"), Tensor.scalar(index, panface.tensor.DType.I64))}, i("axis", axis));
    }

    String softmax(String x, int axis) {
        return node("Softmax", new String[] {x}, i("axis", axis));
    }

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch") : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    /** The graph with its input (batch dynamic: -1) and output. */
    GraphProto finish(String input, long[] inputDims, String output, String outputName, long[] outputDims) {
        g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(outputName).addInput(output).addOutput(outputName));
        g.addInput(value(input, inputDims));
        g.addOutput(value(outputName, outputDims));
        return g.build();
    }
}
