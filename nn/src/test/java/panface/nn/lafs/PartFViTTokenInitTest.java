package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The class token's and positional embeddings' initialisation: the reference's standard normal by
 * default, scaled by the configured standard deviation otherwise, every other weight the same draw.
 */
class PartFViTTokenInitTest {
    private static final PartFViT.Config REFERENCE = new PartFViT.Config(9, 8, 16, 1, 2, 8, 32, 0.1, 0.1, 0.1, false);

    @Test
    void defaultIsTheReferenceDrawAndAnotherStdScalesOnlyTheTokens() {
        Map<String, Tensor> reference = new PartFViT(REFERENCE, new Generator(5)).stateDict();
        Map<String, Tensor> plainDefault = new PartFViT(REFERENCE.withTokenInitStd(1.0), new Generator(5)).stateDict();
        Map<String, Tensor> small = new PartFViT(REFERENCE.withTokenInitStd(0.02), new Generator(5)).stateDict();
        for (String key : reference.keySet()) {
            float[] ref = reference.get(key).toFloatArray();
            assertArrayEquals(ref, plainDefault.get(key).toFloatArray(), 0f, key);
            float[] expected = ref.clone();
            if (key.equals("cls_token") || key.equals("pos_embedding")) {
                for (int i = 0; i < expected.length; i++) {
                    // float32 rounding of the scaled standard normal draw
                    expected[i] = (float) (ref[i] * 0.02);
                }
            }
            assertArrayEquals(expected, small.get(key).toFloatArray(), 1e-7f, key);
        }
    }

    @Test
    void aStdThatIsNotPositiveAndFiniteIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> REFERENCE.withTokenInitStd(0));
        assertThrows(IllegalArgumentException.class, () -> REFERENCE.withTokenInitStd(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> REFERENCE.withTokenInitStd(Double.POSITIVE_INFINITY));
    }
}
