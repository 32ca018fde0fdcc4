package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * Shape arithmetic as exporters write it, on a dynamic batch: the reshape target comes from
 * Shape, Gather, integer Div, Unsqueeze and Concat and is recomputed for each batch size; integer
 * division truncates toward zero (ONNX Runtime's C++ division); Slice with negative steps. Expected
 * values are written out by hand.
 */
class ShapeArithmeticTest {
    @TempDir
    Path dir;

    private static NodeProto node(String op, String name, String[] in, String out, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out);
        for (String i : in) {
            n.addInput(i);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }

    private static NodeProto constant(String out, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(v.length == 1 ? "value_int" : "value_ints");
        if (v.length == 1) {
            a.setI(v[0]).setType(AttributeProto.AttributeType.INT);
        } else {
            for (long x : v) {
                a.addInts(x);
            }
            a.setType(AttributeProto.AttributeType.INTS);
        }
        return node("Constant", out, new String[0], out, a.build());
    }

    private static AttributeProto axis(long a) {
        return AttributeProto.newBuilder().setName("axis").setI(a).setType(AttributeProto.AttributeType.INT).build();
    }

    @Test
    void reshapeTargetFromShapesAndReversingSlices() throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(ValueInfoProto.newBuilder().setName("x"))
                .addOutput(ValueInfoProto.newBuilder().setName("y")).addOutput(ValueInfoProto.newBuilder().setName("q"))
                .addOutput(ValueInfoProto.newBuilder().setName("rev")).addOutput(ValueInfoProto.newBuilder().setName("odd"))
                .addNode(node("Shape", "shape", new String[] {"x"}, "s"))
                .addNode(constant("zero", 0))
                .addNode(constant("one", 1))
                .addNode(node("Gather", "width", new String[] {"s", "one"}, "w", axis(0)))
                .addNode(constant("four", 4))
                .addNode(node("Div", "groups", new String[] {"w", "four"}, "g"))
                .addNode(node("Unsqueeze", "g1", new String[] {"g", "zero"}, "g1"))
                .addNode(node("Gather", "batch", new String[] {"s", "zero"}, "n", axis(0)))
                .addNode(node("Unsqueeze", "m1", new String[] {"n", "zero"}, "m1"))
                .addNode(node("Unsqueeze", "f1", new String[] {"four", "zero"}, "f1"))
                .addNode(node("Concat", "target", new String[] {"m1", "g1", "f1"}, "t", axis(0)))
                .addNode(node("Reshape", "reshape", new String[] {"x", "t"}, "y"))
                .addNode(constant("minus7", -7))
                .addNode(constant("two", 2))
                .addNode(node("Div", "truncating", new String[] {"minus7", "two"}, "q"))
                .addNode(constant("starts", -1))
                .addNode(constant("ends", Long.MIN_VALUE))
                .addNode(constant("axes", 1))
                .addNode(constant("back", -1))
                .addNode(constant("back2", -2))
                .addNode(node("Unsqueeze", "su", new String[] {"starts", "zero"}, "su"))
                .addNode(node("Unsqueeze", "eu", new String[] {"ends", "zero"}, "eu"))
                .addNode(node("Unsqueeze", "au", new String[] {"axes", "zero"}, "au"))
                .addNode(node("Unsqueeze", "bu", new String[] {"back", "zero"}, "bu"))
                .addNode(node("Unsqueeze", "b2u", new String[] {"back2", "zero"}, "b2u"))
                .addNode(node("Slice", "reverse", new String[] {"x", "su", "eu", "au", "bu"}, "rev"))
                .addNode(node("Slice", "everyOther", new String[] {"x", "su", "eu", "au", "b2u"}, "odd"))
                .build();
        Path file = dir.resolve("shapes.onnx");
        Files.write(file, ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g)
                .build().toByteArray());
        try (Scope s = Scope.open(); OnnxModel m = OnnxModel.load(file)) {
            for (int batch : new int[] {2, 5, 2}) {
                float[] v = new float[batch * 12];
                for (int i = 0; i < v.length; i++) {
                    v[i] = i;
                }
                Map<String, Tensor> out = m.run(Map.of("x", Tensor.of(v, batch, 12)));
                assertArrayEquals(new int[] {batch, 3, 4}, out.get("y").shape());
                assertArrayEquals(v, out.get("y").contiguous().toFloatArray());
                assertEquals(-3, out.get("q").toLongArray()[0]);
                float[] rev = out.get("rev").contiguous().toFloatArray();
                float[] odd = out.get("odd").contiguous().toFloatArray();
                assertArrayEquals(new int[] {batch, 6}, out.get("odd").shape());
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < 12; j++) {
                        assertEquals(b * 12 + 11 - j, rev[b * 12 + j]);
                    }
                    for (int j = 0; j < 6; j++) {
                        assertEquals(b * 12 + 11 - 2 * j, odd[b * 6 + j]);
                    }
                }
            }
        }
    }
}
