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
 * GIF's token loss with given codes against PyTorch (make_gif_token_cases.py): linear and margin
 * heads (ArcFace straight-through and exact, CosFace), independent and prefix-conditioned, the
 * loss and its gradients with respect to the embeddings, every head's weights and biases and the
 * prefix table; among them confident targets (cosine 0.6-0.95 to the target row of 256 at s = 64)
 * and linear logits of a few hundred. Float64 limit 1e-9: the same formula in the same precision,
 * only the summation order differs. Float32: within {@link #TIMES_TORCH_F32} times PyTorch's own
 * worst float32 error over the case's outputs, and over its gradients (stored in the case): a
 * float32 implementation rounds differently (measured up to 5 times PyTorch's), while a wrong
 * formula is off by O(1) and a log-softmax that loses the leader's log-probability by 50 times.
 */
class GifTokenGoldenTest {
    private static final double TIMES_TORCH_F32 = 10;

    @ParameterizedTest
    @CsvSource({"F64", "F32"})
    void tokenLossMatchesPyTorch(DType dtype) throws Exception {
        Path dir = Path.of(GifTokenGoldenTest.class.getResource("/golden/gif/token_cases").toURI());
        Map<String, Map<String, Double>> torchF32 = new HashMap<>();
        GoldenCheck.Verdict v = GoldenCheck.run(new GoldenRunner(dtype, Device.CPU), dir, (c, check) -> {
            if (dtype != DType.F32) {
                return 1e-9;
            }
            Map<String, Double> t = torchF32.computeIfAbsent(c, k -> {
                try {
                    return GoldenCheck.torchF32MaxRel(dir.resolve(k + ".safetensors"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return TIMES_TORCH_F32 * GoldenCheck.worst(t, GoldenCheck.kind(check));
        });
        if (!v.failures().isEmpty()) {
            fail(dtype + ":\n" + String.join("\n", v.failures()));
        }
        assertEquals(10, v.summary().ok());
    }
}
