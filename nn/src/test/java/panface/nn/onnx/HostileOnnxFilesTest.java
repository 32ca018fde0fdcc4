package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.nn.onnx.proto.OnnxProto.StringStringEntryProto;
import panface.nn.onnx.proto.OnnxProto.TensorProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.io.WeightFileException;

/**
 * Malformed and hostile ONNX files fail at load with a WeightFileException naming the file and
 * the place (node or initializer), and read nothing outside the model's folder; weights stored as
 * external data load and give the same outputs as the same weights inside the file.
 */
class HostileOnnxFilesTest {
    @TempDir
    Path dir;

    private static ModelProto model(GraphProto.Builder g, int opset) {
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g).build();
    }

    private static GraphProto.Builder graph(String in, String out) {
        return GraphProto.newBuilder().setName("g").addInput(ValueInfoProto.newBuilder().setName(in))
                .addOutput(ValueInfoProto.newBuilder().setName(out));
    }

    private static NodeProto node(String name, String op, String in, String out) {
        return NodeProto.newBuilder().setName(name).setOpType(op).addInput(in).addOutput(out).build();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private WeightFileException refused(Path p, String... fragments) {
        WeightFileException e = assertThrows(WeightFileException.class, () -> OnnxModel.load(p).close());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] whole = Files.readAllBytes(OnnxPyTorchTest.resource("r_op11.onnx"));
        for (int cut : new int[] {1, 17, whole.length / 2, whole.length - 3}) {
            refused(write("cut" + cut + ".onnx", Arrays.copyOf(whole, cut)));
        }
    }

    @Test
    void hugeDeclaredLengthIsNotAllocated() throws Exception {
        // field 7 (graph), length-delimited, declaring 2^31 - 1 bytes that the file does not have
        refused(write("huge.onnx", new byte[] {0x3A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 1, 2, 3}), "not a valid ONNX file");
        TensorProto t = TensorProto.newBuilder().setName("w").setDataType(1).addDims(1L << 20).addDims(1L << 20).build();
        GraphProto.Builder g = graph("x", "y").addInitializer(t).addNode(NodeProto.newBuilder().setName("add").setOpType("Add").addInput("x")
                .addInput("w").addOutput("y"));
        refused(write("dims.onnx", model(g, 13).toByteArray()), "initializer 'w'", "more than");
        TensorProto short4 = TensorProto.newBuilder().setName("w").setDataType(1).addDims(4).setRawData(ByteString.copyFrom(new byte[12]))
                .build();
        GraphProto.Builder g2 = graph("x", "y").addInitializer(short4).addNode(NodeProto.newBuilder().setName("add").setOpType("Add")
                .addInput("x").addInput("w").addOutput("y"));
        refused(write("short.onnx", model(g2, 13).toByteArray()), "initializer 'w'", "12 bytes");
    }

    @Test
    void cyclicGraph() throws Exception {
        GraphProto.Builder g = graph("x", "b").addNode(NodeProto.newBuilder().setName("first").setOpType("Add").addInput("x").addInput("b")
                .addOutput("a")).addNode(node("second", "Relu", "a", "b"));
        refused(write("cycle.onnx", model(g, 13).toByteArray()), "cycle", "node '");
    }

    @Test
    void unsupportedOperatorAttributeAndOpset() throws Exception {
        GraphProto.Builder g = graph("x", "y").addNode(node("mystery", "NonMaxSuppression", "x", "y"));
        refused(write("op.onnx", model(g, 13).toByteArray()), "node 'mystery'", "NonMaxSuppression", "opset 13", "not supported");
        NodeProto relu = node("act", "Relu", "x", "y").toBuilder().addAttribute(AttributeProto.newBuilder().setName("bogus").setI(1)
                .setType(AttributeProto.AttributeType.INT)).build();
        refused(write("attr.onnx", model(graph("x", "y").addNode(relu), 17).toByteArray()), "node 'act'", "Relu", "opset 17", "'bogus'");
        refused(write("old.onnx", model(graph("x", "y").addNode(node("act", "Relu", "x", "y")), 8).toByteArray()), "opset 8");
        NodeProto pad = node("pad", "Pad", "x", "y").toBuilder().addAttribute(AttributeProto.newBuilder().setName("mode")
                .setS(ByteString.copyFromUtf8("wrap")).setType(AttributeProto.AttributeType.STRING)).build();
        refused(write("pad.onnx", model(graph("x", "y").addNode(pad), 19).toByteArray()), "node 'pad'", "Pad", "opset 19", "wrap");
        refused(write("undefined.onnx", model(graph("x", "y").addNode(node("n", "Relu", "nowhere", "y")), 13).toByteArray()), "'nowhere'");
    }

    /**
     * An unknown operator inside an otherwise valid graph (between supported nodes, and reading
     * only an initializer, which the load would fold) is named with its node and opset, and the
     * message lists what is supported, new operators included.
     */
    @Test
    void unsupportedOperatorInsideAValidGraph() throws Exception {
        GraphProto.Builder g = graph("x", "y").addNode(node("first", "Relu", "x", "a")).addNode(node("middle", "Mystery", "a", "b"))
                .addNode(node("last", "Sigmoid", "b", "y"));
        refused(write("middle.onnx", model(g, 17).toByteArray()), "node 'middle'", "Mystery", "opset 17", "GridSample", "ReduceMax");
        TensorProto c = TensorProto.newBuilder().setName("c").setDataType(1).addDims(1).addFloatData(1).build();
        GraphProto.Builder folded = graph("x", "y").addInitializer(c).addNode(node("constant", "Mystery", "c", "d"))
                .addNode(NodeProto.newBuilder().setName("add").setOpType("Add").addInput("x").addInput("d").addOutput("y"));
        refused(write("folded.onnx", model(folded, 13).toByteArray()), "node 'constant'", "Mystery", "opset 13");
    }

    private static TensorProto external(String location, long offset, long length) {
        TensorProto.Builder t = TensorProto.newBuilder().setName("w").setDataType(1).addDims(4)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(entry("location", location));
        if (offset >= 0) {
            t.addExternalData(entry("offset", Long.toString(offset)));
        }
        if (length >= 0) {
            t.addExternalData(entry("length", Long.toString(length)));
        }
        return t.build();
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private Path withExternal(Path folder, TensorProto w) throws IOException {
        GraphProto.Builder g = graph("x", "y").addInitializer(w).addNode(NodeProto.newBuilder().setName("add").setOpType("Add").addInput("x")
                .addInput("w").addOutput("y"));
        Files.createDirectories(folder);
        Path p = folder.resolve("m.onnx");
        Files.write(p, model(g, 13).toByteArray());
        return p;
    }

    @Test
    void externalDataStaysInsideTheModelsFolder() throws Exception {
        Path folder = dir.resolve("model");
        Files.write(dir.resolve("secret.bin"), new byte[16]);
        refused(withExternal(folder, external("../secret.bin", -1, -1)), "leads outside");
        refused(withExternal(folder, external(dir.resolve("secret.bin").toAbsolutePath().toString(), -1, -1)), "leads outside");
        Files.createSymbolicLink(folder.resolve("link.bin"), dir.resolve("secret.bin"));
        refused(withExternal(folder, external("link.bin", -1, -1)), "links outside");
        Files.write(folder.resolve("w.bin"), new byte[16]);
        refused(withExternal(folder, external("w.bin", 8, 16)), "does not fit");
        refused(withExternal(folder, external("w.bin", 1L << 40, 16)), "does not fit");
        refused(withExternal(folder, external("missing.bin", 0, 16)), "does not exist");
    }

    @Test
    void externalDataGivesTheSameOutputs() throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(OnnxPyTorchTest.resource("r_op13_dyn.onnx")));
        GraphProto.Builder g = m.getGraph().toBuilder();
        Path folder = Files.createDirectories(dir.resolve("ext"));
        ByteString.Output blob = ByteString.newOutput();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            long offset = blob.size();
            t.getRawData().writeTo(blob);
            g.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", "weights.bin")).addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(t.getRawData().size()))));
        }
        Files.write(folder.resolve("weights.bin"), blob.toByteString().toByteArray());
        Path file = folder.resolve("r.onnx");
        Files.write(file, m.toBuilder().setGraph(g).build().toByteArray());
        long before = Files.size(OnnxPyTorchTest.resource("r_op13_dyn.onnx"));
        assertTrue(Files.size(file) < before / 4, "the weights left the file: " + Files.size(file) + " of " + before + " bytes remain");
        try (Scope s = Scope.open(); var gm = GradMode.noGrad(); OnnxModel inside = OnnxModel.load(OnnxPyTorchTest.resource("r_op13_dyn.onnx"));
                OnnxModel outside = OnnxModel.load(file)) {
            Tensor x = Safetensors.load(OnnxPyTorchTest.resource("r_io.safetensors")).get("input.x");
            assertArrayEquals(inside.forward(x).toFloatArray(), outside.forward(x).toFloatArray());
        }
    }
}
