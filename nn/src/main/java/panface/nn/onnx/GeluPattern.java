package panface.nn.onnx;

import java.util.List;
import java.util.function.Function;

import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.tensor.Tensor;

/**
 * GELU as PyTorch exports nn.GELU() before opset 20: y = Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)
 * (operands of Add and Mul in either order), every intermediate read only inside the pattern. The
 * importer merges it into the activation of the product that writes x.
 */
final class GeluPattern {
    private static final double SQRT2 = Math.sqrt(2);
    /** A float32 constant may round sqrt 2 or 1/2; anything closer than this is taken as meant exactly. */
    private static final double CONSTANT_TOLERANCE = 1e-6;

    /** The nodes merged and the value they write. */
    record Match(List<NodeProto> nodes, String output) {
    }

    private GeluPattern() {
    }

    /** The GELU of value x, or null. consumers lists the nodes reading a value (none for graph outputs). */
    static Match match(String x, Function<String, List<NodeProto>> consumers, Function<String, Tensor> constants) {
        List<NodeProto> users = consumers.apply(x);
        if (users.size() != 2) {
            return null;
        }
        NodeProto div = users.stream().filter(u -> u.getOpType().equals("Div")).findFirst().orElse(null);
        NodeProto mul = users.stream().filter(u -> u.getOpType().equals("Mul")).findFirst().orElse(null);
        if (div == null || mul == null || !div.getInput(0).equals(x) || !near(constants.apply(div.getInput(1)), SQRT2)) {
            return null;
        }
        NodeProto erf = only(consumers, div.getOutput(0), "Erf");
        NodeProto add = erf == null ? null : only(consumers, erf.getOutput(0), "Add");
        if (add == null || !near(constants.apply(other(add, erf.getOutput(0))), 1) || only(consumers, add.getOutput(0), "Mul") != mul
                || !other(mul, add.getOutput(0)).equals(x)) {
            return null;
        }
        NodeProto half = only(consumers, mul.getOutput(0), "Mul");
        if (half == null || !near(constants.apply(other(half, mul.getOutput(0))), 0.5)) {
            return null;
        }
        return new Match(List.of(div, erf, add, mul, half), half.getOutput(0));
    }

    private static NodeProto only(Function<String, List<NodeProto>> consumers, String value, String op) {
        List<NodeProto> c = consumers.apply(value);
        return c.size() == 1 && c.get(0).getOpType().equals(op) ? c.get(0) : null;
    }

    /** The operand of a two-input node that is not the given value ("" when both are). */
    private static String other(NodeProto n, String value) {
        if (n.getInputCount() != 2) {
            return "";
        }
        return n.getInput(0).equals(value) ? n.getInput(1) : n.getInput(1).equals(value) ? n.getInput(0) : "";
    }

    private static boolean near(Tensor c, double want) {
        return c != null && c.numel() == 1 && c.dtype().isFloating() && Math.abs(c.reshape(1).getDouble(0) - want) <= CONSTANT_TOLERANCE * want;
    }
}
