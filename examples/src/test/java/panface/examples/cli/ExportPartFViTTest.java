package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * export --arch part_fvit on a fine-tuning save (the network under "model."): the shape comes from
 * the weights (--heads given), the landmark CNN is kept, and the file gives the model's embeddings.
 * Tolerance 1e-4 relative to the largest element, as the other export checks.
 */
class ExportPartFViTTest {
    private ConsoleCapture console;
    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        console = ConsoleCapture.start();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    @Test
    void exportsAFineTuningSave() throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Generator gen = new Generator(4);
            PartFViT model = new PartFViT(new PartFViT.Config(196, 8, 16, 2, 2, 6, 24, 0.1, 0.1, 0.1, true), new LandmarkCnn(196, gen), gen);
            model.eval();
            Map<String, Tensor> save = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> save.put("model." + k, v));
            save.put("head.weight", Tensor.zeros(3, 16));
            Path weights = dir.resolve("finetune.safetensors");
            Safetensors.save(weights, save, Map.of());
            Path out = dir.resolve("part_fvit.onnx");
            assertEquals(0, Main.run(new String[] {"export", "--model", weights.toString(), "--arch", "part_fvit", "--heads", "2", out.toString()}),
                    console.err());
            Tensor x = Tensor.rand(new Generator(1), 1, 3, 112, 112).mul(2).sub(1);
            float[] want = model.forward(x).toFloatArray();
            try (OnnxModel m = OnnxModel.load(out)) {
                float[] got = m.forward(x).contiguous().toFloatArray();
                double err = 0;
                double scale = 0;
                for (int i = 0; i < want.length; i++) {
                    err = Math.max(err, Math.abs(got[i] - want[i]));
                    scale = Math.max(scale, Math.abs(want[i]));
                }
                assertTrue(err <= 1e-4 * scale, "max_rel " + err / scale);
            }
        }
    }
}
