package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.nn.onnx.proto.OnnxProto.GraphProto;
import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.nn.onnx.proto.OnnxProto.NodeProto;
import panface.nn.onnx.proto.OnnxProto.OperatorSetIdProto;
import panface.nn.onnx.proto.OnnxProto.TensorProto;
import panface.nn.onnx.proto.OnnxProto.ValueInfoProto;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * One-node graphs for what PyTorch's exporter never writes: pads that differ before and after in
 * Conv and the pools (PyTorch exports a separate Pad), and Resize's half_pixel, align_corners and
 * asymmetric coordinates with each nearest_mode. Expected values: hand-summed windows, and the
 * outputs listed in ONNX's operator documentation examples for Resize (resize_upsample_scales_linear,
 * resize_upsample_scales_linear_align_corners, resize_downsample_scales_linear,
 * resize_downsample_scales_nearest, resize_upsample_sizes_nearest_ceil_half_pixel,
 * resize_upsample_sizes_nearest_floor_align_corners, resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric).
 * Tolerance 1e-5: ONNX lists its values to about 7 digits.
 */
class WindowAndResizeTest {
    private static final float TOL = 1e-5f;
    private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @TempDir
    Path dir;

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto str(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    private static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static TensorProto floats(String name, float[] v, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float f : v) {
            t.addFloatData(f);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long... v) {
        return TensorProto.newBuilder().setName(name).setDataType(7).addDims(v.length).addAllInt64Data(
                java.util.Arrays.stream(v).boxed().toList()).build();
    }

    /** Runs one node reading "x" (and the given initializers) and writing "y" on x. */
    private float[] run(NodeProto.Builder node, List<TensorProto> init, int opset, float[] x, int... shape) throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(ValueInfoProto.newBuilder().setName("x"))
                .addOutput(ValueInfoProto.newBuilder().setName("y")).addNode(node.setName("n").addOutput("y")).addAllInitializer(init);
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g).build();
        Path p = dir.resolve("g" + System.nanoTime() + ".onnx");
        Files.write(p, m.toByteArray());
        try (Scope s = Scope.open(); var gm = GradMode.noGrad(); OnnxModel model = OnnxModel.load(p)) {
            return model.forward(Tensor.of(x, shape)).contiguous().toFloatArray();
        }
    }

    @Test
    void convWithPadsOnlyAfter() throws IOException {
        // 2x2 window of ones over 1..9 padded with one zero row below and one zero column right
        float[] y = run(NodeProto.newBuilder().setOpType("Conv").addInput("x").addInput("w").addAttribute(ints("pads", 0, 0, 1, 1)),
                List.of(floats("w", new float[] {1, 1, 1, 1}, 1, 1, 2, 2)), 13, ONE_TO_NINE, 1, 1, 3, 3);
        assertArrayEquals(new float[] {12, 16, 9, 24, 28, 15, 15, 17, 9}, y, TOL);
    }

    @Test
    void averagePoolWithPadsOnlyBefore() throws IOException {
        for (int countPad : new int[] {0, 1}) {
            float[] y = run(NodeProto.newBuilder().setOpType("AveragePool").addInput("x").addAttribute(ints("kernel_shape", 2, 2))
                    .addAttribute(ints("pads", 1, 1, 0, 0)).addAttribute(integer("count_include_pad", countPad)), List.of(), 13, ONE_TO_NINE, 1, 1, 3, 3);
            float[] want = countPad == 0 ? new float[] {1, 1.5f, 2.5f, 2.5f, 3, 4, 5.5f, 6, 7}
                    : new float[] {0.25f, 0.75f, 1.25f, 1.25f, 3, 4, 2.75f, 6, 7};
            assertArrayEquals(want, y, TOL, "count_include_pad " + countPad);
        }
    }

    @Test
    void maxPoolWithPadsOnlyAfter() throws IOException {
        float[] x = {9, 8, 7, 6, 5, 4, 3, 2, 1};
        float[] y = run(NodeProto.newBuilder().setOpType("MaxPool").addInput("x").addAttribute(ints("kernel_shape", 2, 2))
                .addAttribute(ints("pads", 0, 0, 1, 1)), List.of(), 13, x, 1, 1, 3, 3);
        assertArrayEquals(x, y, TOL);
        float[] neg = {-9, -8, -7, -6, -5, -4, -3, -2, -1};
        float[] yn = run(NodeProto.newBuilder().setOpType("MaxPool").addInput("x").addAttribute(ints("kernel_shape", 2, 2))
                .addAttribute(ints("pads", 0, 0, 1, 1)), List.of(), 13, neg, 1, 1, 3, 3);
        // padding never wins a maximum, even over negative values
        assertArrayEquals(new float[] {-5, -4, -4, -2, -1, -1, -2, -1, -1}, yn, TOL);
    }

    private float[] resize(String mode, String coord, String nearestMode, float[] scales, long[] sizes, float[] x, int... shape)
            throws IOException {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType("Resize").addInput("x").addInput("").addInput(scales == null ? "" : "scales")
                .addAttribute(str("mode", mode)).addAttribute(str("coordinate_transformation_mode", coord));
        if (nearestMode != null) {
            n.addAttribute(str("nearest_mode", nearestMode));
        }
        List<TensorProto> init = new java.util.ArrayList<>();
        if (scales != null) {
            init.add(floats("scales", scales, scales.length));
        } else {
            n.addInput("sizes");
            init.add(longs("sizes", sizes));
        }
        return run(n, init, 13, x, shape);
    }

    @Test
    void resizeLinear() throws IOException {
        float[] x = {1, 2, 3, 4};
        assertArrayEquals(new float[] {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4},
                resize("linear", "half_pixel", null, new float[] {1, 1, 2, 2}, null, x, 1, 1, 2, 2), TOL);
        assertArrayEquals(new float[] {1, 1.3333333f, 1.6666667f, 2, 1.6666666f, 2, 2.3333333f, 2.6666665f, 2.3333333f, 2.6666665f, 3,
                3.3333333f, 3, 3.3333333f, 3.6666667f, 4}, resize("linear", "align_corners", null, new float[] {1, 1, 2, 2}, null, x, 1, 1, 2, 2), TOL);
        float[] x8 = {1, 2, 3, 4, 5, 6, 7, 8};
        assertArrayEquals(new float[] {2.6666665f, 4.3333331f}, resize("linear", "half_pixel", null, new float[] {1, 1, 0.6f, 0.6f}, null, x8,
                1, 1, 2, 4), TOL);
        assertArrayEquals(new float[] {1, 3}, resize("nearest", "asymmetric", "round_prefer_floor", new float[] {1, 1, 0.6f, 0.6f}, null, x8,
                1, 1, 2, 4), TOL);
    }

    @Test
    void resizeNearestModes() throws IOException {
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i + 1;
        }
        long[] sizes = {1, 1, 8, 8};
        assertRows(new int[] {1, 2, 2, 3, 3, 4, 4, 4}, resize("nearest", "half_pixel", "ceil", null, sizes, x, 1, 1, 4, 4));
        assertRows(new int[] {1, 1, 1, 2, 2, 3, 3, 4}, resize("nearest", "align_corners", "floor", null, sizes, x, 1, 1, 4, 4));
        assertRows(new int[] {1, 2, 2, 3, 3, 4, 4, 4}, resize("nearest", "asymmetric", "round_prefer_ceil", null, sizes, x, 1, 1, 4, 4));
        assertRows(new int[] {1, 1, 2, 2, 3, 3, 4, 4}, resize("nearest", "asymmetric", "round_prefer_floor", null, sizes, x, 1, 1, 4, 4));
    }

    /** An 8x8 nearest resize of the 4x4 grid 1..16 picks the same source index per row and column. */
    private static void assertRows(int[] cols, float[] y) {
        float[] want = new float[64];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                want[i * 8 + j] = (cols[i] - 1) * 4 + cols[j];
            }
        }
        assertArrayEquals(want, y, TOL);
    }
}
