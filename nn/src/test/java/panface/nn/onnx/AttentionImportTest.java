package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import panface.nn.InferencePlan;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * PyTorch's exports of attention run as our fused attention kernels and still give PyTorch's
 * outputs: attn_op*.onnx (make_onnx_more.py: separate q/k/v projections with a Div scale and the
 * key's Transposes merged by the exporter, nn.GELU as Erf, nn.LayerNorm, and timm's fused qkv
 * attention with q scaled before the product) and the face ViT of make_onnx_cases.py. Tolerance:
 * max relative error 1e-4 in float32, as OnnxPyTorchTest (summation order differs; the fused
 * softmax is computed online, which moves a few ulps, far below it).
 */
class AttentionImportTest {
    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {11, 13, 17})
    void attentionBlockMatchesPyTorchThroughFusedKernels(int opset) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad();
                OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource("attn_op" + opset + "_dyn.onnx"))) {
            var ops = m.stepOperators();
            assertEquals(1, Collections.frequency(ops, "Attention(fused)"), ops.toString());
            assertEquals(1, Collections.frequency(ops, "Attention(fused qkv)"), ops.toString());
            assertTrue(ops.contains("Linear(MatMul)+Add+Gelu(erf)"), ops.toString());
            assertFalse(ops.contains("Softmax") || ops.contains("Erf"), ops.toString());
            Map<String, Tensor> io = Safetensors.load(OnnxPyTorchTest.resource("attn_io.safetensors"));
            for (boolean prepared : new boolean[] {false, true}) {
                InferencePlan plan = prepared ? m.compileInference(io.get("input.x")) : null;
                java.util.function.UnaryOperator<Tensor> f = plan != null ? plan::run : m::forward;
                for (String b : new String[] {"", "1"}) {
                    Tensor y = f.apply(io.get("input.x" + b));
                    Tensor want = io.get("output.embedding" + b);
                    assertArrayEquals(want.shape(), y.shape());
                    double rel = OnnxPyTorchTest.maxRel(y.contiguous().toFloatArray(), want.toFloatArray());
                    assertTrue(rel <= OnnxPyTorchTest.MAX_REL, "opset " + opset + " batch " + want.size(0) + " prepared=" + prepared + ": " + rel);
                }
                if (plan != null) {
                    plan.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "vit opset {0}")
    @ValueSource(ints = {11, 13, 17})
    void faceVitAttentionRunsAsSelfAttention(int opset) throws Exception {
        try (OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource("vit_op" + opset + "_dyn.onnx"))) {
            var ops = m.stepOperators();
            assertEquals(2, Collections.frequency(ops, "Attention(fused qkv)"), ops.toString());
            assertFalse(ops.contains("Softmax") || ops.contains("MatMul"), ops.toString());
        }
    }
}
