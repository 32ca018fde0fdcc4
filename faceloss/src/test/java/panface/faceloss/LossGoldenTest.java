package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.golden.GoldenRunner;
import panface.tensor.io.Json;

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
    @SuppressWarnings("unchecked")
    void lossesMatchPyTorch(DType dtype, double limit) throws Exception {
        Path dir = Path.of(LossGoldenTest.class.getResource("/golden/cases").toURI());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GoldenRunner.Summary s = new GoldenRunner(dtype, Device.CPU).run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        StringBuilder bad = new StringBuilder();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            Map<String, Object> r = Json.parseObject(line);
            if (r.containsKey("summary")) {
                continue;
            }
            if (!"ok".equals(r.get("status"))) {
                bad.append('\n').append(line);
                continue;
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("checks")).entrySet()) {
                double rel = ((Number) ((Map<String, Object>) e.getValue()).get("max_rel")).doubleValue();
                if (!(rel <= limit)) {
                    bad.append('\n').append(r.get("case")).append(' ').append(e.getKey()).append(' ').append(rel);
                }
            }
        }
        if (!bad.isEmpty()) {
            fail(dtype + ":" + bad);
        }
        assertEquals(20, s.ok());
    }
}
