package panface.faceloss;

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
 * The losses against PyTorch on the project's cases, among them confident targets (cosine 0.6-0.95
 * at s = 64 over 1,000-2,000 classes). Float32 limit 2e-5: the runner computes the cosines in
 * float32 (rounding about 6e-8 times a few, over 64-wide dot products), s = 64 turns that into a
 * relative error of a few 1e-6 in each exponential, and the float32 log-sum-exp adds its own
 * 1e-6 (see MarginDifferentialTest); the cases come out within 2.1e-6, so 2e-5 leaves a tenfold
 * margin while a normaliser that loses the negatives is off by O(1).
 */
class LossGoldenTest {

    @ParameterizedTest
    @CsvSource({"F64, 1e-9", "F32, 2e-5"})
    void lossesMatchPyTorch(DType dtype, double limit) throws Exception {
        Path dir = Path.of(LossGoldenTest.class.getResource("/golden/cases").toURI());
        GoldenCheck.Verdict v = GoldenCheck.run(new GoldenRunner(dtype, Device.CPU), dir, (c, check) -> limit);
        if (!v.failures().isEmpty()) {
            fail(dtype + ":\n" + String.join("\n", v.failures()));
        }
        assertEquals(20, v.summary().ok());
    }
}
