package panface.tensor.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.io.Json;

/** Runs the project's own golden cases (written by PyTorch) through the runner. */
class GoldenCasesTest {

    static Path casesDir() throws Exception {
        return Path.of(GoldenCasesTest.class.getResource("/golden/cases").toURI());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32"})
    @SuppressWarnings("unchecked")
    void everyCaseIsWithinTolerance(DType dtype) throws Exception {
        check(dtype, Device.CPU);
    }

    /** The same cases on the first CUDA device (FP32 GEMMs, not TF32); skipped, with the reason, where there is none. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32"})
    void everyCaseIsWithinToleranceOnCuda(DType dtype) throws Exception {
        Device cuda = Device.cuda(0);
        assumeTrue(Backends.isAvailable(cuda), () -> "no CUDA device: " + Backends.unavailableReason(cuda));
        check(dtype, cuda);
    }

    @SuppressWarnings("unchecked")
    private static void check(DType dtype, Device device) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GoldenRunner.Summary s = new GoldenRunner(dtype, device).run(casesDir(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(s.cases() >= 90, "expected the committed cases, found " + s.cases());
        double limit = GoldenTolerances.maxRel(dtype);
        StringBuilder bad = new StringBuilder();
        for (String line : lines) {
            Map<String, Object> r = Json.parseObject(line);
            if (r.containsKey("summary")) {
                continue;
            }
            if (!"ok".equals(r.get("status"))) {
                bad.append("\n").append(line);
                continue;
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("checks")).entrySet()) {
                double rel = ((Number) ((Map<String, Object>) e.getValue()).get("max_rel")).doubleValue();
                if (!(rel <= limit)) {
                    bad.append("\n").append(r.get("case")).append(' ').append(e.getKey()).append(" max_rel ").append(rel);
                }
            }
        }
        if (!bad.isEmpty()) {
            fail(device + " " + dtype + " golden cases over " + limit + ":" + bad);
        }
        assertEquals(s.cases(), s.ok());
        assertEquals("{\"summary\":true,\"cases\":" + s.cases() + ",\"ok\":" + s.ok() + ",\"unsupported\":0,\"error\":0}",
                lines.get(lines.size() - 1));
    }
}
