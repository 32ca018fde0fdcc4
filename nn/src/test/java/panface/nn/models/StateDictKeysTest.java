package panface.nn.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.Module;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Json;

/**
 * The full-size models have exactly insightface's state-dict keys and shapes, in PyTorch's order
 * (the manifest is written by the golden-case script from the PyTorch definitions), so published
 * checkpoints load without renaming.
 */
class StateDictKeysTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> manifest() throws Exception {
        try (InputStream in = StateDictKeysTest.class.getResourceAsStream("/golden/model_keys.json")) {
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @SuppressWarnings("unchecked")
    private static void check(String name, Module model) throws Exception {
        List<Object> want = (List<Object>) manifest().get(name);
        List<String> got = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            StringBuilder sb = new StringBuilder(e.getKey()).append(' ');
            for (int d : e.getValue().shape()) {
                sb.append(d).append(',');
            }
            got.add(sb.toString());
        }
        List<String> expected = new ArrayList<>();
        for (Object o : want) {
            List<Object> kv = (List<Object>) o;
            StringBuilder sb = new StringBuilder((String) kv.get(0)).append(' ');
            for (Object d : (List<Object>) kv.get(1)) {
                sb.append(((Number) d).intValue()).append(',');
            }
            expected.add(sb.toString());
        }
        assertEquals(expected, got, name);
    }

    @Test
    void cnnBackbones() throws Exception {
        try (Scope s = Scope.open()) {
            check("iresnet18", new IResNet(18, 512, 0, 1));
            check("iresnet50", new IResNet(50, 512, 0, 1));
            check("mbf", MobileFaceNet.standard(512, 1));
            check("mbf_large", MobileFaceNet.large(512, 1));
        }
    }

    @Test
    void vitBackbones() throws Exception {
        try (Scope s = Scope.open()) {
            check("vit_t", new FaceViT(ViTConfig.named("vit_t")));
            check("vit_s", new FaceViT(ViTConfig.named("vit_s")));
        }
    }
}
