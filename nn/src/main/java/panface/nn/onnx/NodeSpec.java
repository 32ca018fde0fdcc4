package panface.nn.onnx;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.tensor.Tensor;

/**
 * What a kernel builder knows about a node at load time: its operator, the opset, its attributes
 * (each read one marks as understood; {@link #checkAllRead()} refuses any other), which inputs are
 * given and the values of those that are constants.
 */
final class NodeSpec {
    final NodeProto node;
    final int opset;
    private final Tensor[] constants;
    private final Set<String> read = new HashSet<>();

    NodeSpec(NodeProto node, int opset, Tensor[] constants) {
        this.node = node;
        this.opset = opset;
        this.constants = constants;
    }

    String op() {
        return node.getOpType();
    }

    /** Number of inputs listed (trailing optional ones may be absent). */
    int inputs() {
        return node.getInputCount();
    }

    /** True when input i is given (listed with a non-empty name). */
    boolean has(int i) {
        return i < node.getInputCount() && !node.getInput(i).isEmpty();
    }

    /** The value of input i when it is a constant of the graph, else null. */
    Tensor constant(int i) {
        return has(i) ? constants[i] : null;
    }

    /** True when output i is used by the graph (listed with a non-empty name). */
    boolean wantsOutput(int i) {
        return i < node.getOutputCount() && !node.getOutput(i).isEmpty();
    }

    int outputs() {
        return node.getOutputCount();
    }

    private AttributeProto attr(String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                read.add(name);
                if (!a.getRefAttrName().isEmpty()) {
                    throw new NodeError("attribute '" + name + "' refers to a function attribute, which is not supported");
                }
                return a;
            }
        }
        return null;
    }

    boolean hasAttr(String name) {
        return attr(name) != null;
    }

    long i(String name, long dflt) {
        AttributeProto a = attr(name);
        return a == null ? dflt : a.getI();
    }

    int int32(String name, int dflt) {
        long v = i(name, dflt);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new NodeError("attribute '" + name + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    float f(String name, float dflt) {
        AttributeProto a = attr(name);
        return a == null ? dflt : a.getF();
    }

    String s(String name, String dflt) {
        AttributeProto a = attr(name);
        return a == null ? dflt : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** An ints attribute, or null when absent. */
    long[] ints(String name) {
        AttributeProto a = attr(name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** An ints attribute as int[], or dflt when absent. */
    int[] ints32(String name, int[] dflt) {
        long[] v = ints(name);
        return v == null ? dflt : Ops.toInts(v, "attribute '" + name + "'");
    }

    float[] floats(String name) {
        AttributeProto a = attr(name);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a.getFloats(k);
        }
        return out;
    }

    AttributeProto raw(String name) {
        return attr(name);
    }

    /** Refuses attributes no builder asked for: they may change the meaning of the node. */
    void checkAllRead() {
        for (AttributeProto a : node.getAttributeList()) {
            if (!read.contains(a.getName())) {
                throw new NodeError("attribute '" + a.getName() + "' is not supported");
            }
        }
    }

    /** Fails unless an optional output is unused. */
    void refuseOutput(int i, String what) {
        if (wantsOutput(i)) {
            throw new NodeError("output " + i + " (" + what + ") is not supported");
        }
    }
}
