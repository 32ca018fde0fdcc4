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
import panface.nn.lafs.PartFViT;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * export --arch part_fvit on a pretraining epoch file (the teacher's backbone under
 * "teacher.backbone.", beside the student and the DINO heads): the shape comes from the weights
 * (--heads given), without a landmark CNN the input is the patch tokens, and the file gives the
 * model's embeddings. (The graph with the landmark CNN is checked in the nn module's
 * OnnxExportTest, and in ONNX Runtime by bench/scripts/check-onnx-export.sh part_fvit.) Tolerance
 * 1e-4 relative to the largest element, as the other export checks.
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
    void exportsThePretrainedTeacher() throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            Generator gen = new Generator(4);
            PartFViT model = new PartFViT(new PartFViT.Config(16, 8, 16, 2, 2, 6, 24, 0.1, 0.1, 0.1, false), gen);
            model.eval();
            PartFViT student = new PartFViT(new PartFViT.Config(16, 8, 16, 1, 2, 6, 24, 0.1, 0.1, 0.1, false), gen);
            Map<String, Tensor> save = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> save.put("teacher.backbone." + k, v));
            student.stateDict().forEach((k, v) -> save.put("student.backbone." + k, v));
            save.put("teacher.head.last_layer.weight", Tensor.zeros(3, 16));
            Path weights = dir.resolve("lafs-epoch1.safetensors");
            Safetensors.save(weights, save, Map.of());
            Path out = dir.resolve("part_fvit.onnx");
            assertEquals(0, Main.run(new String[] {"export", "--model", weights.toString(), "--arch", "part_fvit", "--heads", "2", out.toString()}),
                    console.err());
            Tensor x = Tensor.randn(new Generator(1), 2, 16, 192);
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
