package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import panface.tensor.io.Safetensors;

/**
 * One QUD step against PyTorch (make_qud_step_cases.py): the QUD student's forward in training
 * mode, the InfoNCE loss against the teacher keys and the queue snapshot, every student
 * gradient, and the queue and pointer after the enqueue, including a write that ends the ring and
 * wraps the pointer to 0. Float64 limit 1e-9: the same formula in the same precision, differing
 * only in summation order. Float32: within {@link #TIMES_TORCH_F32} times PyTorch's own worst
 * float32 error over the case's outputs, and over its gradients (stored in the case): another
 * float32 implementation rounds differently in every conv and BatchNorm (the backbone cases
 * measured 0.3 to 5.2 times PyTorch's), while a wrong formula is off by O(1).
 */
class QudStepGoldenTest {
    private static final double TIMES_TORCH_F32 = 10;

    @ParameterizedTest
    @CsvSource({"F64", "F32"})
    @SuppressWarnings("unchecked")
    void qudStepMatchesPyTorch(DType dtype) throws Exception {
        Path dir = Path.of(QudStepGoldenTest.class.getResource("/golden/qud").toURI());
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
            Map<String, Object> torch32 = torchF32MaxRel(dir, (String) r.get("case"));
            for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("checks")).entrySet()) {
                double rel = ((Number) ((Map<String, Object>) e.getValue()).get("max_rel")).doubleValue();
                double limit = 1e-9;
                if (dtype == DType.F32) {
                    limit = TIMES_TORCH_F32 * worst(torch32, e.getKey().substring(0, e.getKey().indexOf('.') + 1));
                }
                if (!(rel <= limit)) {
                    bad.append('\n').append(r.get("case")).append(' ').append(e.getKey()).append(' ').append(rel).append(" > ").append(limit);
                }
            }
        }
        if (!bad.isEmpty()) {
            fail(dtype + ":" + bad);
        }
        assertEquals(3, s.ok());
    }

    /** PyTorch's own float32 max_rel per tensor of a case, as its generator recorded it. */
    private static Map<String, Object> torchF32MaxRel(Path dir, String name) throws IOException {
        try (Safetensors.Reader r = Safetensors.open(dir.resolve(name + ".safetensors"))) {
            return Json.parseObject(r.metadata().get("torch_f32_max_rel"));
        }
    }

    /** The largest of PyTorch's float32 errors over the tensors whose names start with prefix ("output." or "grad."). */
    private static double worst(Map<String, Object> torchF32, String prefix) {
        double w = 0;
        for (Map.Entry<String, Object> e : torchF32.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                w = Math.max(w, ((Number) e.getValue()).doubleValue());
            }
        }
        return w;
    }
}
