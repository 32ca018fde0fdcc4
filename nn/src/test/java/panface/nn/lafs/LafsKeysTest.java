package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import panface.nn.Module;
import panface.tensor.io.Json;
import panface.tensor.random.Generator;

/**
 * The full-size models have the reference's state-dict keys and shapes (written by PyTorch from the
 * restatement with the reference's attribute names): the fine-tuning Part fViT with its
 * MobileNetV3-large landmark CNN, and the DINO head with K = 100,000.
 */
class LafsKeysTest {

    @Test
    @SuppressWarnings("unchecked")
    void fullSizeKeysAndShapesMatchTheReference() throws Exception {
        Path file = Path.of(LafsKeysTest.class.getResource("/lafs/model_keys.json").toURI());
        Map<String, Object> m = Json.parseObject(Files.readString(file));
        Generator gen = new Generator(0);
        assertEquals(keys((List<Object>) m.get("part_fvit")), keys(new PartFViT(PartFViT.Config.lafs(true), gen)));
        assertEquals(keys((List<Object>) m.get("dino_head")), keys(new DinoHead(768, 100_000, gen)));
    }

    private static Map<String, String> keys(List<Object> rows) {
        Map<String, String> out = new TreeMap<>();
        for (Object r : rows) {
            List<Object> kv = (List<Object>) r;
            out.put((String) kv.get(0), ((List<Object>) kv.get(1)).stream().map(o -> Integer.toString(((Number) o).intValue())).toList()
                    .toString());
        }
        return out;
    }

    private static Map<String, String> keys(Module model) {
        Map<String, String> out = new TreeMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, Arrays.stream(v.shape()).mapToObj(Integer::toString).toList().toString()));
        return out;
    }
}
