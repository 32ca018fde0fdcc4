package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import panface.nn.InferencePlan;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Convolutions in PyTorch's exports with BatchNormalization kept apart (r and mbf _bn files) load
 * as one step each with the normalisation folded and the PReLU or the residual Add of the block
 * merged, and preparing the model prepares every convolution's weight as the native models' fused
 * convolutions are. OnnxPyTorchTest checks those files' outputs against PyTorch's, prepared or not.
 */
class ConvFusionTest {
    @ParameterizedTest
    @ValueSource(strings = {"r", "mbf"})
    void convolutionEpiloguesMerge(String model) throws Exception {
        try (OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource(model + "_op13_dyn_bn.onnx"))) {
            var ops = m.stepOperators();
            assertTrue(ops.contains("Conv+BatchNormalization+PRelu"), ops.toString());
            assertTrue(ops.contains("Conv+BatchNormalization+Add(residual)"), ops.toString());
            assertFalse(ops.contains("Conv") || ops.contains("PRelu") || ops.contains("Add"), ops.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"r", "mbf"})
    void aPlanPreparesEveryConvolutionAndFollowsItsWeight(String model) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad(); OnnxModel m = OnnxModel.load(OnnxPyTorchTest.resource(model + "_op13_dyn_bn.onnx"))) {
            List<ConvKernel> convs = m.kernels().stream().filter(k -> k instanceof ConvKernel).map(k -> (ConvKernel) k).toList();
            assertFalse(convs.isEmpty());
            assertTrue(convs.stream().allMatch(k -> k.preparable() != null), "every convolution of the graph has a constant weight");
            Tensor x = Safetensors.load(OnnxPyTorchTest.resource(model + "_io.safetensors")).get("input.x");
            float[] plain = m.forward(x).contiguous().toFloatArray();
            try (InferencePlan plan = m.compileInference(x)) {
                float[] prepared = plan.run(x).contiguous().toFloatArray();
                // the same convolutions through another kernel (packed GEMM, Winograd): float32 sums in another order
                double rel = OnnxPyTorchTest.maxRel(prepared, plain);
                assertTrue(rel <= 1e-4 && rel > 0, "the prepared kernels must have run and agree: " + rel);
                // a constant written in place reaches the plan through its version
                convs.get(0).preparable().mulInPlace(0.5);
                float[] halved = m.forward(x).contiguous().toFloatArray();
                assertTrue(OnnxPyTorchTest.maxRel(halved, plain) > 1e-3, "halving the first weight must change the output");
                // the same float32 reordering as above
                assertTrue(OnnxPyTorchTest.maxRel(plan.run(x).contiguous().toFloatArray(), halved) <= 1e-4,
                        "the plan must use the written weight");
            }
        }
    }
}
