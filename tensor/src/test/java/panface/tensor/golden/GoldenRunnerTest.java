package panface.tensor.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.io.Json;
import panface.tensor.io.Safetensors;

/** The runner's report on wrong results and on cases it cannot run. */
class GoldenRunnerTest {
    @TempDir
    Path dir;

    @Test
    void reportsWrongResultsUnsupportedOpsAndErrors() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("input.x", Tensor.of(new double[] {1, -2, 3}));
        t.put("output.y", Tensor.of(new double[] {1, 0, 3.5}));
        Map<String, String> meta = Map.of("op", "relu", "args", "{}", "schema", "1");
        Safetensors.save(dir.resolve("wrong.safetensors"), t, meta);
        Safetensors.save(dir.resolve("future.safetensors"), t, Map.of("op", "no_such_op", "args", "{}", "schema", "1"));
        Safetensors.save(dir.resolve("broken.safetensors"), Map.of("input.y", Tensor.of(new double[] {1})), meta);
        Files.writeString(dir.resolve("notes.txt"), "not a case");
        GoldenRunner runner = new GoldenRunner(DType.F64, Device.CPU, Map.of("relu", (c, l) -> Map.of("output.y", F.relu(l.get("input.x")))));
        Map<String, Object> wrong = runner.runCase(dir.resolve("wrong.safetensors"));
        assertEquals("ok", wrong.get("status"));
        assertEquals("{\"output.y\":{\"max_abs\":0.5,\"max_rel\":0.14285714285714285}}", Json.write(wrong.get("checks")));
        assertEquals("unsupported", runner.runCase(dir.resolve("future.safetensors")).get("status"));
        Map<String, Object> broken = runner.runCase(dir.resolve("broken.safetensors"));
        assertEquals("error", broken.get("status"));
        assertTrue(String.valueOf(broken.get("message")).contains("NullPointerException")
                || String.valueOf(broken.get("message")).contains("input"), String.valueOf(broken.get("message")));
        GoldenRunner.Summary s = runner.run(dir, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(new GoldenRunner.Summary(3, 1, 1, 1), s);
    }
}
