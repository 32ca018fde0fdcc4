package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Convolutions in PyTorch's exports with BatchNormalization kept apart (r and mbf _bn files) load
 * as one step each with the normalisation folded and the PReLU or the residual Add of the block
 * merged. OnnxPyTorchTest checks those files' outputs against PyTorch's.
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
}
