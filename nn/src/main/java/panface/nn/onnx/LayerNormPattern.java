package panface.nn.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * Layer normalisation as exporters spell it before opset 17 (PyTorch's nn.LayerNorm), merged into one
 * {@code F.layerNorm} kernel: m = ReduceMean(x, [-1]); d = Sub(x, m); v = ReduceMean(Pow(d, 2), [-1]);
 * y = Add(Mul(Div(d, Sqrt(Add(v, eps))), gamma), beta), every intermediate used only inside the pattern.
 */
final class LayerNormPattern {
    /** The nodes merged, the input and output value names, and the constants. */
    record Match(List<NodeProto> nodes, String input, String output, Tensor gamma, Tensor beta, double eps) {
        Kernel kernel() {
            Tensor g = gamma.reshape(gamma.numel()).contiguous();
            Tensor b = beta.reshape(beta.numel()).contiguous();
            return (Kernel.Single) in -> {
                if (in[0].size(in[0].dim() - 1) != g.numel()) {
                    throw new NodeError("layer norm over " + in[0].size(in[0].dim() - 1) + " features with " + g.numel() + " weights");
                }
                return F.layerNorm(in[0], g, b, eps);
            };
        }
    }

    private final Function<String, List<NodeProto>> consumers;
    private final Function<String, Tensor> constants;
    private final List<NodeProto> nodes = new ArrayList<>();

    private LayerNormPattern(Function<String, List<NodeProto>> consumers, Function<String, Tensor> constants) {
        this.consumers = consumers;
        this.constants = constants;
    }

    /** The pattern starting at a ReduceMean node, or null. consumers lists every node reading a value (none for graph outputs' extra use). */
    static Match match(NodeProto mean, int opset, Function<String, List<NodeProto>> consumers, Function<String, Tensor> constants) {
        return new LayerNormPattern(consumers, constants).from(mean, opset);
    }

    private NodeProto only(String value, String op) {
        List<NodeProto> c = consumers.apply(value);
        return c.size() == 1 && c.get(0).getOpType().equals(op) ? c.get(0) : null;
    }

    private static boolean lastAxisMean(NodeProto n, int opset) {
        if (!n.getOpType().equals("ReduceMean") || opset >= 18 || n.getInputCount() != 1) {
            return false;
        }
        boolean keep = true;
        boolean lastAxis = false;
        for (var a : n.getAttributeList()) {
            switch (a.getName()) {
                case "axes" -> lastAxis = a.getIntsCount() == 1 && a.getInts(0) == -1;
                case "keepdims" -> keep = a.getI() != 0;
                default -> {
                    return false;
                }
            }
        }
        return keep && lastAxis;
    }

    private Tensor scalarInput(NodeProto n, String other) {
        String c = n.getInput(0).equals(other) ? n.getInput(1) : n.getInput(0);
        return constants.apply(c);
    }

    private Match from(NodeProto mean, int opset) {
        if (!lastAxisMean(mean, opset)) {
            return null;
        }
        String x = mean.getInput(0);
        NodeProto sub = only(mean.getOutput(0), "Sub");
        if (sub == null || !sub.getInput(0).equals(x) || !sub.getInput(1).equals(mean.getOutput(0))) {
            return null;
        }
        List<NodeProto> subUsers = consumers.apply(sub.getOutput(0));
        if (subUsers.size() != 2) {
            return null;
        }
        NodeProto pow = subUsers.stream().filter(u -> u.getOpType().equals("Pow")).findFirst().orElse(null);
        NodeProto div = subUsers.stream().filter(u -> u.getOpType().equals("Div")).findFirst().orElse(null);
        if (pow == null || div == null || !pow.getInput(0).equals(sub.getOutput(0)) || !div.getInput(0).equals(sub.getOutput(0))) {
            return null;
        }
        Tensor two = constants.apply(pow.getInput(1));
        if (two == null || two.numel() != 1 || two.reshape(1).getDouble(0) != 2) {
            return null;
        }
        NodeProto var = only(pow.getOutput(0), "ReduceMean");
        if (var == null || !lastAxisMean(var, opset)) {
            return null;
        }
        NodeProto addEps = only(var.getOutput(0), "Add");
        Tensor eps = addEps == null ? null : scalarInput(addEps, var.getOutput(0));
        if (eps == null || eps.numel() != 1) {
            return null;
        }
        NodeProto sqrt = only(addEps.getOutput(0), "Sqrt");
        if (sqrt == null || only(sqrt.getOutput(0), "Div") != div || !div.getInput(1).equals(sqrt.getOutput(0))) {
            return null;
        }
        NodeProto mul = only(div.getOutput(0), "Mul");
        Tensor gamma = mul == null ? null : scalarInput(mul, div.getOutput(0));
        NodeProto add = mul == null ? null : only(mul.getOutput(0), "Add");
        Tensor beta = add == null ? null : scalarInput(add, mul.getOutput(0));
        if (gamma == null || beta == null || gamma.dim() > 1 || beta.dim() > 1 || gamma.numel() != beta.numel()) {
            return null;
        }
        nodes.addAll(List.of(mean, sub, pow, var, addEps, sqrt, div, mul, add));
        return new Match(nodes, x, add.getOutput(0), gamma, beta, eps.reshape(1).getDouble(0));
    }
}
