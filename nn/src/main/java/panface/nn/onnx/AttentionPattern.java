package panface.nn.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * Scaled dot-product attention as PyTorch exports it, merged into our fused attention kernels.
 *
 * <p>The core: s = MatMul(q', Transpose(k', perm)) scaled by a constant (Mul or Div after the
 * product, or Mul on q' or on the transposed k' before it, as newer exporters write it), then
 * Softmax over the last axis and MatMul(softmax, v). The perm is 0 1 3 2, or any other when the
 * exporter merged the head split's Transpose into the key's (k.transpose(1, 2).transpose(-2, -1)
 * becomes one Transpose 0 2 3 1). It runs as {@code F.scaledDotProductAttention}.
 *
 * <p>When q, k and v are Gather 0, 1, 2 (axis 0) of Transpose(Reshape(qkv, (B, L, 3, H, Dh)), perm
 * 2 0 3 1 4), and the result goes through Transpose(perm 0 2 1 3) and a Reshape (timm's and our
 * ViT's attention), the whole subgraph runs as {@code F.selfAttention} on the fused projection, the
 * kernel our own MultiHeadAttention calls, without copying heads apart.
 *
 * <p>Every intermediate value must be read only inside the pattern; otherwise nothing is merged.
 */
final class AttentionPattern {
    /** The nodes merged (the last one writes the output), the input values in kernel order and the kernel. */
    record Match(List<NodeProto> nodes, List<String> inputs, String output, Kernel kernel, String kind) {
    }

    private final Function<String, List<NodeProto>> consumers;
    private final Function<String, NodeProto> producer;
    private final Function<String, Tensor> constants;
    private final List<NodeProto> nodes = new ArrayList<>();
    private double scale = 1;

    private AttentionPattern(Function<String, List<NodeProto>> consumers, Function<String, NodeProto> producer,
                             Function<String, Tensor> constants) {
        this.consumers = consumers;
        this.producer = producer;
        this.constants = constants;
    }

    /**
     * The attention around a Softmax node, or null. consumers lists the nodes reading a value (a
     * graph output counts as an outside reader), producer gives the node writing a value (null for
     * inputs and initializers), constants the value of a constant.
     */
    static Match match(NodeProto softmax, int opset, Function<String, List<NodeProto>> consumers, Function<String, NodeProto> producer,
                       Function<String, Tensor> constants) {
        return new AttentionPattern(consumers, producer, constants).from(softmax, opset);
    }

    private Match from(NodeProto softmax, int opset) {
        long axis = intAttr(softmax, "axis", opset >= 13 ? -1 : 1);
        if ((axis != -1 && axis != 3) || softmax.getAttributeCount() > 1) {
            return null;
        }
        NodeProto av = only(softmax.getOutput(0), "MatMul");
        if (av == null || !av.getInput(0).equals(softmax.getOutput(0))) {
            return null;
        }
        String scores = stripScale(softmax.getInput(0));
        NodeProto qk = producerOnlyFor(scores, "MatMul");
        if (qk == null) {
            return null;
        }
        String q = stripScale(qk.getInput(0));
        String kt = stripScale(qk.getInput(1));
        NodeProto transpose = producerOnlyFor(kt, "Transpose");
        long[] p = transpose == null ? null : perm(transpose);
        if (p == null || p.length != 4) {
            return null;
        }
        // k (B, H, S, D) is the transposed value with its last two axes swapped back: the Transpose's
        // input permuted by perm with its last two entries exchanged (identity for perm 0 1 3 2)
        int[] kPerm = {(int) p[0], (int) p[1], (int) p[3], (int) p[2]};
        boolean kView = !Arrays.equals(kPerm, new int[] {0, 1, 2, 3});
        String k = stripScale(transpose.getInput(0));
        String v = av.getInput(1);
        nodes.add(qk);
        nodes.add(transpose);
        nodes.add(softmax);
        nodes.add(av);
        Match fused = kView ? null : selfAttention(q, k, v, av);
        if (fused != null) {
            return fused;
        }
        double s = scale;
        boolean lastOfFour = axis == 3;
        Kernel core = (Kernel.Single) in -> {
            if (lastOfFour && in[0].dim() != 4) {
                throw new NodeError("Softmax axis 3 of the attention scores needs 4-D operands, got " + in[0].dim() + "-D");
            }
            return attention(in[0], kView ? in[1].permute(kPerm) : in[1], in[2], s);
        };
        return new Match(List.copyOf(nodes), List.of(q, k, v), av.getOutput(0), core, "Attention(fused)");
    }

    /** softmax(q k^T s) v; our kernel for (B, H, L, Dh) operands, the products spelled out for other ranks. */
    static Tensor attention(Tensor q, Tensor k, Tensor v, double s) {
        if (q.dim() == 4 && k.dim() == 4 && v.dim() == 4) {
            return F.scaledDotProductAttention(q, k, v, s);
        }
        return F.matmul(F.softmax(F.matmul(q, k.mT()).mul(s), q.dim() - 1), v);
    }

    /** The fused-projection form around a matched core, or null. */
    private Match selfAttention(String q, String k, String v, NodeProto av) {
        NodeProto gq = producerOnlyFor(q, "Gather");
        NodeProto gk = producerOnlyFor(k, "Gather");
        NodeProto gv = producerOnlyFor(v, "Gather");
        if (gq == null || gk == null || gv == null || !gatherAt(gq, 0) || !gatherAt(gk, 1) || !gatherAt(gv, 2)) {
            return null;
        }
        String heads = gq.getInput(0);
        if (!gk.getInput(0).equals(heads) || !gv.getInput(0).equals(heads) || consumers.apply(heads).size() != 3) {
            return null;
        }
        NodeProto split = producer.apply(heads);
        if (split == null || !split.getOpType().equals("Transpose") || !Arrays.equals(perm(split), new long[] {2, 0, 3, 1, 4})) {
            return null;
        }
        NodeProto reshape = producerOnlyFor(split.getInput(0), "Reshape");
        NodeProto merge = only(av.getOutput(0), "Transpose");
        NodeProto back = merge == null ? null : only(merge.getOutput(0), "Reshape");
        if (reshape == null || back == null || !Arrays.equals(perm(merge), new long[] {0, 2, 1, 3}) || allowZero(reshape) || allowZero(back)) {
            return null;
        }
        nodes.addAll(List.of(gq, gk, gv, split, reshape, merge, back));
        double s = scale;
        Kernel k2 = (Kernel.Single) in -> selfAttention(in[0], Ops.longs(in[1]), Ops.longs(in[2]), s);
        return new Match(List.copyOf(nodes), List.of(reshape.getInput(0), reshape.getInput(1), back.getInput(1)), back.getOutput(0), k2,
                "Attention(fused qkv)");
    }

    /**
     * The fused form's kernel: qkv reshaped to (B, L, 3, H, Dh) as the graph says, attention per head, the
     * result (B, L, H, Dh) reshaped as the graph's last Reshape says.
     */
    private static Tensor selfAttention(Tensor qkv, long[] split, long[] merged, double s) {
        int[] t = ShapeOps.target(qkv.shape(), split, false);
        if (t.length != 5 || t[2] != 3) {
            throw new NodeError("attention: qkv " + Arrays.toString(qkv.shape()) + " reshaped to " + Arrays.toString(t)
                    + " is not (B, L, 3, H, Dh)");
        }
        Tensor y = F.selfAttention(qkv.reshape(t[0], t[1], 3 * t[3] * t[4]), t[3], s);
        return y.reshape(ShapeOps.target(new int[] {t[0], t[1], t[3], t[4]}, merged, false));
    }

    /** True for Gather(x, index) on axis 0 with a constant scalar index (which drops that axis). */
    private boolean gatherAt(NodeProto g, long index) {
        if (g.getInputCount() != 2 || intAttr(g, "axis", 0) != 0 || g.getAttributeCount() > 1) {
            return false;
        }
        Tensor i = constants.apply(g.getInput(1));
        return i != null && i.dim() == 0 && !i.dtype().isFloating() && Ops.longs(i)[0] == index;
    }

    private NodeProto only(String value, String op) {
        List<NodeProto> c = consumers.apply(value);
        return c.size() == 1 && c.get(0).getOpType().equals(op) ? c.get(0) : null;
    }

    /** The node writing a value when it has the given operator and the value is read exactly once. */
    private NodeProto producerOnlyFor(String value, String op) {
        NodeProto p = producer.apply(value);
        return p != null && p.getOpType().equals(op) && consumers.apply(value).size() == 1 ? p : null;
    }

    /** Follows Mul or Div by a constant scalar back to its other operand, folding the factor into the scale. */
    private String stripScale(String value) {
        while (true) {
            NodeProto p = producer.apply(value);
            if (p == null || p.getInputCount() != 2 || consumers.apply(value).size() != 1
                    || !(p.getOpType().equals("Mul") || p.getOpType().equals("Div"))) {
                return value;
            }
            boolean div = p.getOpType().equals("Div");
            Tensor c1 = constants.apply(p.getInput(1));
            Tensor c0 = div ? null : constants.apply(p.getInput(0));
            Tensor c = c1 != null ? c1 : c0;
            if (c == null || c.numel() != 1 || !c.dtype().isFloating()) {
                return value;
            }
            double f = c.reshape(1).getDouble(0);
            scale *= div ? 1 / f : f;
            nodes.add(p);
            value = c1 != null ? p.getInput(0) : p.getInput(1);
        }
    }

    private static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static boolean allowZero(NodeProto reshape) {
        return intAttr(reshape, "allowzero", 0) != 0;
    }

    private static long[] perm(NodeProto transpose) {
        for (AttributeProto a : transpose.getAttributeList()) {
            if (a.getName().equals("perm")) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return null;
    }
}
