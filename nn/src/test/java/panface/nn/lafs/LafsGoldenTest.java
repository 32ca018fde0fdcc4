package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.golden.GoldenCheck;
import panface.tensor.golden.GoldenRunner;

/**
 * The LAFS models against PyTorch restatements of the reference with its key names: patch
 * extraction (tokens, gradients to the image and to the landmarks), the landmark CNN, Part fViT on
 * tokens and on images through its landmark CNN, and the DINO head with g fixed and free; forward
 * and every gradient, evaluation mode.
 *
 * <p>Limits: 1e-9 in float64 (the cases are float64; only summation order differs); 1e-4 in
 * float32 (roughly 1000 ulps after twelve-odd layers, the same limit the other backbones use).
 */
class LafsGoldenTest {

    @ParameterizedTest
    @CsvSource({"F64, 1e-9", "F32, 1e-4"})
    void lafsModelsMatchPyTorch(DType dtype, double limit) throws Exception {
        Path dir = Path.of(LafsGoldenTest.class.getResource("/lafs/cases").toURI());
        GoldenCheck.Verdict v = GoldenCheck.run(new GoldenRunner(dtype, Device.CPU), dir, (c, check) -> limit);
        if (!v.failures().isEmpty()) {
            fail(dtype + ":\n" + String.join("\n", v.failures()));
        }
        assertEquals(7, v.summary().ok());
    }
}
