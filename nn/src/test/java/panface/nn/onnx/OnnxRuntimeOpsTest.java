package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.protobuf.ByteString;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.io.WeightFileException;

/**
 * One-node graphs of ReduceMin, ReduceMax, Pad (reflect, edge, constant), Resize (cubic) and
 * GridSample give ONNX Runtime's outputs (files and outputs written by
 * src/test/resources/onnx/ops/make_onnx_ops.py with ONNX Runtime 1.30). Tolerance 1e-5 relative to
 * the largest output: both sum at most a handful of float32 products per element in another order.
 * Attribute values the importer does not implement fail at load naming the operator, node and opset.
 */
class OnnxRuntimeOpsTest {
    private static final double TOL = 1e-5;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reducemax_op13", "reducemin_op13", "reducemax_op18", "reducemin_op18", "reducemin_op18_noop",
        "pad_reflect_op11", "pad_edge_op13", "pad_reflect_op18_axes", "pad_edge_op10", "pad_constant_op13",
        "resize_cubic_op11_half_pixel", "resize_cubic_op13_align_corners", "resize_cubic_op13_asymmetric_exclude",
        "resize_cubic_op13_pytorch_half_pixel", "resize_cubic_op13_tf_half_pixel_for_nn", "resize_cubic_op18_half_pixel_exclude",
        "gridsample_op16", "gridsample_op16_align_corners", "gridsample_op20"})
    void matchesOnnxRuntime(String name) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad(); OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource("ops/" + name + ".onnx"))) {
            Map<String, Tensor> io = Safetensors.load(OnnxPyTorchTest.resource("ops/ops_io.safetensors"));
            Tensor want = io.get(name + ".y");
            Tensor y = m.forward(io.get(name + ".x"));
            assertArrayEquals(want.shape(), y.shape(), name + " shape");
            double rel = OnnxPyTorchTest.maxRel(y.contiguous().toFloatArray(), want.toFloatArray());
            assertTrue(rel <= TOL, name + ": max_rel " + rel);
        }
    }

    private static AttributeProto str(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private void refused(String op, int opset, String fragment, AttributeProto... attrs) throws Exception {
        NodeProto.Builder n = NodeProto.newBuilder().setName("odd").setOpType(op).addInput("x").addInput("g").addOutput("y");
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        GraphProto g = GraphProto.newBuilder().setName("g").addInput(ValueInfoProto.newBuilder().setName("x"))
                .addInput(ValueInfoProto.newBuilder().setName("g")).addOutput(ValueInfoProto.newBuilder().setName("y")).addNode(n).build();
        Path p = dir.resolve(op + opset + System.nanoTime() + ".onnx");
        Files.write(p, ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g)
                .build().toByteArray());
        WeightFileException e = assertThrows(WeightFileException.class, () -> OnnxModel.load(p).close());
        for (String f : new String[] {"node 'odd'", op, "opset " + opset, fragment}) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void unsupportedAttributeValuesFailAtLoad() throws Exception {
        refused("GridSample", 16, "border", str("padding_mode", "border"));
        refused("GridSample", 16, "nearest", str("mode", "nearest"));
        refused("GridSample", 20, "cubic", str("mode", "cubic"));
        refused("GridSample", 16, "align_corners 2", integer("align_corners", 2));
        refused("Resize", 18, "antialias", str("mode", "cubic"), integer("antialias", 1));
        refused("Resize", 13, "tf_crop_and_resize", str("mode", "cubic"), str("coordinate_transformation_mode", "tf_crop_and_resize"));
        refused("Resize", 13, "exclude_outside 3", str("mode", "cubic"), integer("exclude_outside", 3));
        refused("Pad", 19, "wrap", str("mode", "wrap"));
        refused("ReduceMax", 13, "'select_last_index'", integer("select_last_index", 1));
    }
}
