package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * An imported model frees each intermediate value once its last reader has run, so a forward leaves
 * the caller's scope holding little more than the output, however deep the graph. The small
 * MobileFaceNet export runs in over 20 steps; at most 4 storages may remain (the output, and values
 * that share memory with it through views).
 */
class ActivationMemoryTest {
    @Test
    void forwardKeepsOnlyWhatItReturns() throws Exception {
        Map<String, Tensor> io = Safetensors.load(OnnxPyTorchTest.resource("mbf_io.safetensors"));
        try (OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource("mbf_op13_dyn_bn.onnx")); var g = GradMode.noGrad()) {
            Tensor x = io.get("input.x");
            assertTrue(m.stepOperators().size() > 20, m.stepOperators().toString());
            try (Scope s = Scope.open()) {
                Tensor y = m.forward(x);
                assertTrue(s.size() <= 4, "storages left in the caller's scope: " + s.size());
                double rel = OnnxPyTorchTest.maxRel(y.contiguous().toFloatArray(), io.get("output.embedding").toFloatArray());
                assertTrue(rel <= OnnxPyTorchTest.MAX_REL, "max_rel " + rel);
            }
        }
    }
}
