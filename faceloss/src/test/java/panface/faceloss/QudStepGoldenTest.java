package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.golden.GoldenCheck;
import panface.tensor.golden.GoldenRunner;

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
    void qudStepMatchesPyTorch(DType dtype) throws Exception {
        Path dir = Path.of(QudStepGoldenTest.class.getResource("/golden/qud").toURI());
        Map<String, Map<String, Double>> torchF32 = new HashMap<>();
        GoldenCheck.Verdict v = GoldenCheck.run(new GoldenRunner(dtype, Device.CPU), dir, (c, check) -> {
            if (dtype != DType.F32) {
                return 1e-9;
            }
            Map<String, Double> t = torchF32.get(c);
            if (t == null) {
                t = GoldenCheck.torchF32MaxRel(dir.resolve(c + ".safetensors"));
                torchF32.put(c, t);
            }
            return TIMES_TORCH_F32 * GoldenCheck.worst(t, GoldenCheck.kind(check));
        });
        if (!v.failures().isEmpty()) {
            fail(dtype + ":\n" + String.join("\n", v.failures()));
        }
        assertEquals(3, v.summary().ok());
    }
}
