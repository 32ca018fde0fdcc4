package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import panface.nn.InferencePlan;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * Models exported by PyTorch's torch.onnx.export (opsets 11, 13, 17; static and dynamic batch;
 * written with their PyTorch outputs by src/test/resources/onnx/make_onnx_cases.py) give PyTorch's
 * embeddings. Tolerance: max relative error 1e-4 in float32 (the bar; both sides sum in a
 * different order, which costs a few ulps per layer, far below it).
 */
class OnnxPyTorchTest {
    static final double MAX_REL = 1e-4;

    static Path resource(String name) {
        try {
            return Path.of(OnnxPyTorchTest.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static double maxRel(float[] got, float[] want) {
        double maxAbs = 0;
        double maxWant = 0;
        for (int i = 0; i < want.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) got[i] - want[i]));
            maxWant = Math.max(maxWant, Math.abs(want[i]));
        }
        return maxAbs / Math.max(maxWant, 1e-12);
    }

    /** Variant "_bn": BatchNormalization kept apart from the convolutions, folded by the importer. */
    @ParameterizedTest(name = "{0} opset {1} dynamic={2} {3}")
    @CsvSource({"r,11,false,", "r,11,true,", "r,13,false,", "r,13,true,", "r,17,false,", "r,17,true,", "mbf,11,false,", "mbf,11,true,",
            "mbf,13,false,", "mbf,13,true,", "mbf,17,false,", "mbf,17,true,", "vit,11,false,", "vit,11,true,", "vit,13,false,", "vit,13,true,",
            "vit,17,false,", "vit,17,true,", "r,13,true,_bn", "mbf,13,true,_bn", "ops,11,false,", "ops,11,true,", "ops,13,false,", "ops,13,true,", "ops,17,false,",
            "ops,17,true,", "up,11,true,", "up,13,true,", "up,17,true,"})
    void matchesPyTorch(String model, int opset, boolean dynamic, String variant) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad();
                OnnxModel m = OnnxModel.load(resource(model + "_op" + opset + (dynamic ? "_dyn" : "") + (variant == null ? "" : variant) + ".onnx"))) {
            Map<String, Tensor> io = Safetensors.load(resource(model + "_io.safetensors"));
            for (boolean prepared : new boolean[] {false, true}) {
                // the plan runs the graph with its constant weights prepared (packed GEMM and convolution forms)
                InferencePlan plan = prepared ? m.compileInference(io.get("input.x")) : null;
                java.util.function.UnaryOperator<Tensor> f = plan != null ? plan::run : m::forward;
                Tensor y = f.apply(io.get("input.x"));
                Tensor want = io.get("output.embedding");
                assertArrayEquals(want.shape(), y.shape());
                double rel = maxRel(y.contiguous().toFloatArray(), want.toFloatArray());
                assertTrue(rel <= MAX_REL, model + " opset " + opset + " prepared=" + prepared + ": max_rel " + rel);
                if (dynamic) {
                    Tensor y1 = f.apply(io.get("input.x1"));
                    double rel1 = maxRel(y1.contiguous().toFloatArray(), io.get("output.embedding1").toFloatArray());
                    assertTrue(rel1 <= MAX_REL, "batch 1: max_rel " + rel1);
                    Tensor again = f.apply(io.get("input.x"));
                    assertTrue(maxRel(again.contiguous().toFloatArray(), want.toFloatArray()) <= MAX_REL, "batch 3 after batch 1");
                }
                if (plan != null) {
                    plan.close();
                }
            }
        }
    }
}
