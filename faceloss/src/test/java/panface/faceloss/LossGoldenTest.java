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
 * The losses against PyTorch on the project's cases. Float32 limit 1e-3: with s = 64 the logits
 * reach 64 and a float32 rounding of a cosine (6e-8) moves a logit by 4e-6 and its exponential
 * by that relative amount; the loss and gradients come out within about 2e-6 here, so 1e-3
 * is a loose bound that still catches any real error (those are O(1e-2) and up).
 */
class LossGoldenTest {

    @ParameterizedTest
    @CsvSource({"F64, 1e-9", "F32, 1e-3"})
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
        assertEquals(15, s.ok());
    }
}
