package panface.nn.lafs;

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
    @SuppressWarnings("unchecked")
    void lafsModelsMatchPyTorch(DType dtype, double limit) throws Exception {
        Path dir = Path.of(LafsGoldenTest.class.getResource("/lafs/cases").toURI());
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
        assertEquals(7, s.ok());
    }
}
