package panface.nn.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.TensorProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.backend.UnaryOp;
import panface.tensor.io.WeightFileException;

/**
 * Turns a parsed graph into steps: checks that every value has exactly one source and that the
 * nodes form no cycle, orders them, evaluates nodes whose inputs are all constants (folding the
 * constant parts of exporters' shape arithmetic), marks the nodes that depend only on input shapes,
 * merges patterns into fused kernels ({@link Fusion}) and builds a kernel for every other node.
 */
final class GraphBuilder {
    final Path file;
    final int opset;
    final Map<String, Integer> slots = new LinkedHashMap<>();
    final List<Tensor> constants = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();
    final List<String> inputs = new ArrayList<>();
    final List<int[]> inputShapes = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
    private final Set<Integer> shapeOnly = new HashSet<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<String, NodeProto> producer = new HashMap<>();

    GraphBuilder(Path file, int opset) {
        this.file = file;
        this.opset = opset;
    }

    private int slot(String name) {
        return slots.computeIfAbsent(name, k -> {
            constants.add(null);
            return constants.size() - 1;
        });
    }

    private Tensor constantOf(String name) {
        Integer s = slots.get(name);
        return s == null ? null : constants.get(s);
    }

    void build(GraphProto g) throws WeightFileException {
        for (TensorProto t : g.getInitializerList()) {
            String where = "initializer '" + t.getName() + "'";
            if (slots.containsKey(t.getName())) {
                throw new WeightFileException(file, where, "is given twice");
            }
            constants.set(slot(t.getName()), OnnxTensors.toTensor(t, file, where));
        }
        for (ValueInfoProto v : g.getInputList()) {
            if (constantOf(v.getName()) == null) {
                inputs.add(v.getName());
                inputShapes.add(declaredShape(v));
                slot(v.getName());
            }
        }
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(v.getName());
        }
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new WeightFileException(file, null, "the graph has no " + (inputs.isEmpty() ? "input" : "output") + " to run");
        }
        List<NodeProto> order = topologicalOrder(g);
        Map<String, Integer> uses = new HashMap<>();
        for (NodeProto n : order) {
            for (String in : n.getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (String o : outputs) {
            uses.merge(o, 1, Integer::sum);
        }
        Set<NodeProto> merged = new HashSet<>();
        Map<String, NodeProto> consumer = new HashMap<>();
        for (NodeProto n : order) {
            for (String in : n.getInputList()) {
                consumer.put(in, n);
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        for (NodeProto n : order) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        Map<NodeProto, AttentionPattern.Match> attentionEnds = new HashMap<>();
        Set<NodeProto> inAttention = new HashSet<>();
        for (NodeProto n : order) {
            if (n.getOpType().equals("Softmax")) {
                AttentionPattern.Match a = AttentionPattern.match(n, opset, v -> outputs.contains(v) ? List.of() : consumers.getOrDefault(v, List.of()),
                        producer::get, this::earlyConstant);
                if (a != null && a.nodes().stream().noneMatch(inAttention::contains)) {
                    inAttention.addAll(a.nodes());
                    attentionEnds.put(producer.get(a.output()), a);
                }
            }
        }
        for (NodeProto n : order) {
            if (merged.contains(n)) {
                continue;
            }
            AttentionPattern.Match a = attentionEnds.get(n);
            if (a != null) {
                addStep(a.nodes().get(0).getName() + "..." + n.getName(), a.kind(), a.inputs(), List.of(a.output()), a.kernel(), false);
                continue;
            }
            if (inAttention.contains(n)) {
                continue;
            }
            try {
                add(n, uses, consumer, merged);
            } catch (NodeError | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new WeightFileException(file, where(n), e.getMessage(), e);
            }
        }
        for (String o : outputs) {
            if (!slots.containsKey(o)) {
                throw new WeightFileException(file, "graph output '" + o + "'", "is produced by no node, initializer or input");
            }
        }
    }

    /**
     * A value known before the nodes are built: an initializer, or the output of a Constant node
     * (which the build folds later); null otherwise or when the Constant cannot be read.
     */
    private Tensor earlyConstant(String value) {
        Tensor t = constantOf(value);
        if (t != null) {
            return t;
        }
        NodeProto p = producer.get(value);
        if (p == null || !p.getOpType().equals("Constant") || p.getOutputCount() != 1) {
            return null;
        }
        try (var g = GradMode.noGrad()) {
            return Ops.build(spec(p)).run(new Tensor[0])[0];
        } catch (NodeError | IllegalArgumentException | IllegalStateException e) {
            return null;
        }
    }

    private String where(NodeProto n) {
        return "node '" + n.getName() + "' (" + n.getOpType() + ", opset " + opset + ")";
    }

    private static int[] declaredShape(ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return null;
        }
        var dims = v.getType().getTensorType().getShape().getDimList();
        int[] s = new int[dims.size()];
        for (int i = 0; i < s.length; i++) {
            long d = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
            s[i] = d > 0 && d <= Integer.MAX_VALUE ? (int) d : -1;
        }
        return s;
    }

    /** Kahn's order; refuses values with two producers, inputs nothing provides, other domains and cycles. */
    private List<NodeProto> topologicalOrder(GraphProto g) throws WeightFileException {
        Map<String, Integer> producer = new HashMap<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new WeightFileException(file, where(n), "operator domain '" + n.getDomain() + "' is not supported");
            }
            for (String o : n.getOutputList()) {
                if (o.isEmpty()) {
                    continue;
                }
                if (producer.put(o, i) != null || slots.containsKey(o)) {
                    throw new WeightFileException(file, where(n), "value '" + o + "' has more than one source");
                }
            }
        }
        int[] pending = new int[nodes.size()];
        Map<Integer, List<Integer>> next = new HashMap<>();
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (in.isEmpty() || slots.containsKey(in)) {
                    continue;
                }
                Integer p = producer.get(in);
                if (p == null) {
                    throw new WeightFileException(file, where(n), "reads '" + in + "', which no node, initializer or graph input provides");
                }
                pending[i]++;
                next.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<NodeProto> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int j : next.getOrDefault(i, List.of())) {
                if (--pending[j] == 0) {
                    ready.add(j);
                }
            }
        }
        if (order.size() != nodes.size()) {
            for (int i = 0; i < nodes.size(); i++) {
                if (pending[i] > 0) {
                    throw new WeightFileException(file, where(nodes.get(i)), "the graph has a cycle through this node");
                }
            }
        }
        return order;
    }

    private NodeSpec spec(NodeProto n) {
        Tensor[] c = new Tensor[n.getInputCount()];
        for (int i = 0; i < c.length; i++) {
            c[i] = n.getInput(i).isEmpty() ? null : constantOf(n.getInput(i));
        }
        return new NodeSpec(n, opset, c);
    }

    private void add(NodeProto n, Map<String, Integer> uses, Map<String, NodeProto> consumer, Set<NodeProto> merged) {
        NodeSpec spec = spec(n);
        boolean allConstant = true;
        boolean constantOrShape = true;
        boolean anyShape = false;
        for (int i = 0; i < n.getInputCount(); i++) {
            if (!spec.has(i)) {
                continue;
            }
            boolean c = spec.constant(i) != null;
            boolean fromShape = shapeOnly.contains(slot(n.getInput(i)));
            allConstant &= c;
            constantOrShape &= c || fromShape;
            anyShape |= fromShape;
        }
        boolean shapeDerived = n.getOpType().equals("Shape") || (constantOrShape && anyShape);
        if (n.getInputCount() == 0 && !n.getOpType().equals("Constant")) {
            allConstant = false;
        }
        if (allConstant) {
            Kernel k = Ops.build(spec);
            Tensor[] in = new Tensor[n.getInputCount()];
            for (int i = 0; i < in.length; i++) {
                in[i] = spec.constant(i);
            }
            Tensor[] out;
            try (var g = GradMode.noGrad()) {
                out = k.run(in);
            }
            for (int i = 0; i < n.getOutputCount() && i < out.length; i++) {
                if (!n.getOutput(i).isEmpty()) {
                    constants.set(slot(n.getOutput(i)), out[i]);
                }
            }
            return;
        }
        Kernel k = shapeDerived ? null : fused(n, spec, uses, consumer, merged);
        if (k != null) {
            return;
        }
        k = Ops.build(spec);
        addStep(n.getName(), n.getOpType(), n.getInputList(), n.getOutputList(), k, shapeDerived);
    }

    private void addStep(String name, String op, List<String> in, List<String> out, Kernel k, boolean shapeDerived) {
        int[] i = new int[in.size()];
        for (int j = 0; j < i.length; j++) {
            i[j] = in.get(j).isEmpty() ? -1 : slot(in.get(j));
        }
        int[] o = new int[out.size()];
        for (int j = 0; j < o.length; j++) {
            o[j] = out.get(j).isEmpty() ? -1 : slot(out.get(j));
            if (shapeDerived && o[j] >= 0) {
                shapeOnly.add(o[j]);
            }
        }
        steps.add(new Step(name, op, i, o, k, shapeDerived));
    }

    /** The only consumer of a value that is not a graph output, or null. */
    private NodeProto soleConsumer(String value, Map<String, Integer> uses, Map<String, NodeProto> consumer) {
        return uses.getOrDefault(value, 0) == 1 && !outputs.contains(value) ? consumer.get(value) : null;
    }

    /** Adds a fused step for a pattern starting at n and returns its kernel, or returns null when n starts none. */
    private Kernel fused(NodeProto n, NodeSpec spec, Map<String, Integer> uses, Map<String, NodeProto> consumer, Set<NodeProto> merged) {
        String op = n.getOpType();
        if (op.equals("Conv") && isF32(spec.constant(1)) && (!spec.has(2) || isF32(spec.constant(2)))) {
            return convChain(n, spec, uses, consumer, merged);
        }
        if (op.equals("ReduceMean")) {
            LayerNormPattern.Match ln = LayerNormPattern.match(n, opset,
                    v -> outputs.contains(v) ? List.of() : consumers.getOrDefault(v, List.of()), this::constantOf);
            if (ln == null) {
                return null;
            }
            merged.addAll(ln.nodes());
            Kernel k = ln.kernel();
            addStep(n.getName() + "..." + ln.nodes().get(ln.nodes().size() - 1).getName(), "LayerNormalization(fused)", List.of(ln.input()),
                    List.of(ln.output()), k, false);
            return k;
        }
        LinearKernel lin = null;
        if (op.equals("MatMul") && isF32(spec.constant(1)) && spec.constant(1).dim() == 2 && spec.constant(0) == null) {
            Ops.build(spec);
            lin = Fusion.matmul(spec.constant(1));
        } else if (op.equals("Gemm") && isF32(spec.constant(1)) && spec.constant(0) == null) {
            NodeSpec s = spec(n);
            if (s.f("alpha", 1) != 1 || s.f("beta", 1) != 1 || s.i("transA", 0) != 0 || (spec.has(2) && !isF32(spec.constant(2)))) {
                return null;
            }
            boolean tb = s.i("transB", 0) != 0;
            Tensor w = spec.constant(1);
            Tensor woi;
            try (var g = GradMode.noGrad()) {
                woi = tb ? w.contiguous() : w.mT().contiguous();
            }
            Tensor c = spec.constant(2);
            if (c != null && (c.numel() != woi.size(0) || c.dim() > 2)) {
                return null;
            }
            lin = new LinearKernel(woi, c == null ? null : c.reshape(c.numel()).contiguous(), null, 0, false);
        }
        if (lin == null) {
            return null;
        }
        List<String> ins = new ArrayList<>(List.of(n.getInput(0)));
        String name = n.getName();
        String kind = "Linear(" + op + ")";
        List<String> out = n.getOutputList();
        NodeProto next = soleConsumer(out.get(0), uses, consumer);
        if (op.equals("MatMul") && next != null && next.getOpType().equals("Add")) {
            int other = next.getInput(0).equals(out.get(0)) ? 1 : 0;
            Tensor bias = constantOf(next.getInput(other));
            if (isF32(bias) && bias.numel() == lin.outFeatures() && bias.shape()[bias.dim() - 1] == lin.outFeatures()) {
                lin = new LinearKernel(lin.weight(), bias.reshape(bias.numel()).contiguous(), null, 0, false);
                merged.add(next);
                name += "+" + next.getName();
                kind += "+Add";
                out = next.getOutputList();
                next = soleConsumer(out.get(0), uses, consumer);
            }
        }
        GeluPattern.Match gelu = GeluPattern.match(out.get(0), v -> outputs.contains(v) ? List.of() : consumers.getOrDefault(v, List.of()),
                this::earlyConstant);
        if (gelu != null) {
            lin = lin.withActivation(UnaryOp.GELU, 0);
            merged.addAll(gelu.nodes());
            name += "+" + gelu.nodes().get(gelu.nodes().size() - 1).getName();
            kind += "+Gelu(erf)";
            out = List.of(gelu.output());
            next = null;
        }
        if (next != null) {
            NodeSpec ns = spec(next);
            UnaryOp act = Fusion.activation(ns);
            if (act != null) {
                lin = lin.withActivation(act, 0);
                merged.add(next);
                name += "+" + next.getName();
                kind += "+" + next.getOpType();
                out = next.getOutputList();
            } else if (next.getOpType().equals("Add") && constantOf(next.getInput(0)) == null && constantOf(next.getInput(1)) == null
                    && !next.getInput(0).equals(next.getInput(1))
                    && available(next.getInput(0).equals(out.get(0)) ? next.getInput(1) : next.getInput(0))) {
                String residual = next.getInput(0).equals(out.get(0)) ? next.getInput(1) : next.getInput(0);
                lin = lin.withResidual();
                ins.add(residual);
                merged.add(next);
                name += "+" + next.getName();
                kind += "+Add(residual)";
                out = next.getOutputList();
            }
        }
        addStep(name, kind, ins, out, lin, false);
        return lin;
    }

    /**
     * Conv with a constant weight and what follows it in one step: a BatchNormalization (folded into the
     * weight and bias), a residual Add, then an activation (ReLU, ReLU6, leaky ReLU, PReLU with
     * constant slopes), each only when it is the sole reader of the value before.
     */
    private Kernel convChain(NodeProto n, NodeSpec spec, Map<String, Integer> uses, Map<String, NodeProto> consumer, Set<NodeProto> merged) {
        ConvKernel base = LayerOps.conv(spec);
        spec.checkAllRead();
        Tensor w = spec.constant(1);
        Tensor b = spec.constant(2);
        String name = n.getName();
        String kind = "Conv";
        List<String> out = n.getOutputList();
        NodeProto next = soleConsumer(out.get(0), uses, consumer);
        if (next != null && next.getOpType().equals("BatchNormalization") && next.getOutputCount() == 1) {
            NodeSpec bs = spec(next);
            boolean constant = true;
            for (int i = 1; i < 5; i++) {
                constant &= isF32(bs.constant(i));
            }
            if (constant) {
                Ops.build(bs);
                Tensor[] wb = Fusion.foldBatchNorm(w, b, bs.constant(1), bs.constant(2), bs.constant(3), bs.constant(4), bs.f("epsilon", 1e-5f));
                w = wb[0];
                b = wb[1];
                merged.add(next);
                name += "+" + next.getName();
                kind += "+BatchNormalization";
                out = next.getOutputList();
                next = soleConsumer(out.get(0), uses, consumer);
            }
        }
        ConvKernel k = new ConvKernel(w.contiguous(), b == null ? null : b.contiguous(), base);
        List<String> ins = new ArrayList<>(List.of(n.getInput(0)));
        if (next != null && next.getOpType().equals("Add") && next.getInputCount() == 2 && !next.getInput(0).equals(next.getInput(1))) {
            String residual = next.getInput(0).equals(out.get(0)) ? next.getInput(1) : next.getInput(0);
            if (constantOf(residual) == null && available(residual)) {
                k = k.withResidual();
                ins.add(residual);
                merged.add(next);
                name += "+" + next.getName();
                kind += "+Add(residual)";
                out = next.getOutputList();
                next = soleConsumer(out.get(0), uses, consumer);
            }
        }
        if (next != null) {
            ConvKernel withAct = Fusion.convActivation(k, spec(next), w.size(0));
            if (withAct != null) {
                k = withAct;
                merged.add(next);
                name += "+" + next.getName();
                kind += "+" + next.getOpType();
                out = next.getOutputList();
            }
        }
        addStep(name, kind, ins, out, k, false);
        return k;
    }

    private static boolean isF32(Tensor t) {
        return t != null && t.dtype() == DType.F32;
    }

    /** True when a value is already computed at this point of the order (an input, a constant or an earlier step's output). */
    private boolean available(String value) {
        Integer s = slots.get(value);
        if (s == null) {
            return false;
        }
        if (constants.get(s) != null || inputs.contains(value)) {
            return true;
        }
        for (Step st : steps) {
            for (int o : st.out()) {
                if (o == s) {
                    return true;
                }
            }
        }
        return false;
    }

    static String shape(int[] s) {
        return s == null ? "unknown" : Arrays.toString(s);
    }
}
