package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.nn.LoadReport;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * Checkpoints written by PyTorch in the reference's layout (small widths, random weights) load
 * through the safe reader and give PyTorch's embeddings: the fine-tuning model assembled as the
 * reference does (backbone from the LAFS teacher, landmark CNN from a supervised Part fViT) and
 * the teacher's DINO head.
 */
class LafsCheckpointTest {
    /** Float32 in both; the embedding passes a small CNN and two blocks: some hundred ulps. */
    private static final double LIMIT = 1e-4;

    @Test
    void referenceCheckpointsLoadAndMatchPyTorch() throws Exception {
        Path dir = Path.of(LafsCheckpointTest.class.getResource("/lafs/checkpoints").toURI());
        Map<String, Tensor> teacher = LafsCheckpoints.network(dir.resolve("lafs_pretrain_small.pth"), "teacher");
        Map<String, Tensor> supervised = LafsCheckpoints.network(dir.resolve("part_fvit_supervised_small.pth"), "");
        Map<String, Tensor> io = Safetensors.load(dir.resolve("lafs_checkpoint_io.safetensors"));

        Generator gen = new Generator(1);
        int[][] table = {{3, 16, 16, 0, 0, 1}, {5, 24, 16, 1, 0, 2}, {3, 40, 24, 0, 1, 2}, {3, 48, 24, 1, 1, 1}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 16, 31, gen);
        PartFViT model = new PartFViT(new PartFViT.Config(16, 8, 48, 2, 3, 20, 64, 0.1, 0.1, 0.1, true), lcnn, gen);
        LoadReport r = model.loadStateDict(teacher, false);
        // the teacher has no landmark CNN; it brings its DINO head and the pretraining CosFace weight
        assertTrue(r.missing().stream().allMatch(k -> k.startsWith("stn.") || k.startsWith("output_layer.")), r.toString());
        assertTrue(r.unexpected().stream().allMatch(k -> k.startsWith("head.") || k.equals("loss.weight")), r.toString());
        assertTrue(r.mismatched().isEmpty(), r.toString());
        LafsCheckpoints.loadLandmarkCnn(lcnn, supervised);
        model.eval();
        assertClose(io.get("output.embedding"), model.forward(io.get("input.x")));
        // the inference plan (BatchNorms folded into the landmark CNN's convolutions, packed products) gives PyTorch's too
        try (InferencePlan plan = model.compileInference(io.get("input.x"))) {
            assertClose(io.get("output.embedding"), plan.run(io.get("input.x")));
        }

        DinoHead head = new DinoHead(48, 50, 3, 32, 16, true, gen);
        LafsCheckpoints.loadUnder(head, teacher, "head.");
        head.eval();
        assertClose(io.get("output.teacher_logits"), head.forward(io.get("output.embedding")));

        Map<String, Tensor> student = LafsCheckpoints.network(dir.resolve("lafs_pretrain_small.pth"), "student");
        PartFViT tokensOnly = new PartFViT(new PartFViT.Config(16, 8, 48, 2, 3, 20, 64, 0.1, 0.1, 0.1, false), gen);
        assertEquals(List.of("loss.weight"), LafsCheckpoints.loadBackbone(tokensOnly, student).unexpected()
                .stream().filter(k -> !k.startsWith("head.")).toList());
    }

    private static void assertClose(Tensor want, Tensor got) {
        assertEquals(List.of(want.shape().length), List.of(got.shape().length));
        double scale = want.abs().max().item();
        double err = got.sub(want).abs().max().item();
        assertTrue(err <= LIMIT * scale, "max abs error " + err + " against max |want| " + scale);
    }
}
