package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;

/**
 * {@code lafs finetune --data DIR --bin PACK}: a few-shot subset of an image folder (half the
 * identities, two images each), evaluated on the pack; stopped after a step and resumed to the
 * end; a checkpoint of other settings is refused.
 */
class LafsCommandTest {
    private static final String[] SMALL = {"--dim", "16", "--depth", "1", "--heads", "2", "--head-dim", "8", "--mlp-dim", "16", "--batch",
        "2", "--epochs", "1", "--warmup-epochs", "0", "--log-every", "1"};
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

    private int run(List<String> a) {
        console.reset();
        return Main.run(a.toArray(String[]::new));
    }

    private Map<String, Object> lastJson() {
        return ToyFaces.lastJson(console.out());
    }

    @Test
    void finetunesAFewShotSubsetStopsAndResumes() throws Exception {
        Random r = new Random(5);
        Path faces = ToyFaces.folder(dir, 6, 3, 40, r);
        Path bin = ToyFaces.bin(dir, 6, 40, r);
        Path ckpt = dir.resolve("ft.safetensors");
        List<String> base = new ArrayList<>(List.of("lafs", "finetune", "--data", faces.toString(), "--bin", bin.toString(),
                "--few-shot-fraction", "0.5", "--few-shot-images", "2", "--save", ckpt.toString()));
        base.addAll(List.of(SMALL));

        List<String> first = new ArrayList<>(base);
        first.addAll(List.of("--stop-after", "1"));
        assertEquals(0, run(first), console.err());
        // 3 identities x 2 images in batches of 2: 3 steps per epoch
        assertTrue(console.out().contains("3 identities, 3 steps of 2"), console.out());
        assertEquals(1, ((Number) lastJson().get("steps")).intValue());

        List<String> rest = new ArrayList<>(base);
        rest.addAll(List.of("--resume", ckpt.toString()));
        assertEquals(0, run(rest), console.err());
        assertTrue(console.out().contains("resumed " + ckpt + " after step 1"), console.out());
        Map<String, Object> json = lastJson();
        assertEquals(3, ((Number) json.get("steps")).intValue());
        @SuppressWarnings("unchecked")
        double acc = ((Number) ((Map<String, Object>) json.get("after")).get("accuracy")).doubleValue();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);

        List<String> other = new ArrayList<>(rest);
        other.addAll(List.of("--regularizer", "code"));
        assertEquals(1, run(other));
        assertTrue(console.err().contains("was saved by a different run: lafs.finetune.regularizer CODE (checkpoint: PAPER)"), console.err());
    }

    @Test
    void packsWithoutDataAreAUsageError() {
        assertEquals(2, run(List.of("lafs", "finetune", "--bin", "x.bin")));
        assertTrue(console.err().contains("--bin and --few-shot-* go with --data"), console.err());
    }

    @Test
    void mixupWithAnOddBatchIsAUsageError() {
        assertEquals(2, run(List.of("lafs", "finetune", "--batch", "3")));
        assertTrue(console.err().contains("--batch must be even"), console.err());
        assertEquals(2, run(List.of("lafs", "finetune", "--mixup", "maybe")));
        assertTrue(console.err().contains("--mixup is on or off"), console.err());
    }

    @Test
    void demoOptionsOutsideTheirChoicesAreUsageErrors() {
        assertEquals(2, run(List.of("lafs", "demo", "--teacher", "frozen")));
        assertTrue(console.err().contains("--teacher takes deterministic or stochastic"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--view-nuisances", "maybe")));
        assertTrue(console.err().contains("--view-nuisances is on or off"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--track-pairs", "on", "--pretrain-images", "1", "--pretrain-identities", "64")));
        assertTrue(console.err().contains("--track-pairs on needs at least 2 pretraining images"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--centering", "median")));
        assertTrue(console.err().contains("--centering takes ema or sinkhorn"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--head-bn", "maybe")));
        assertTrue(console.err().contains("--head-bn is on or off"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--pretraining", "dino")));
        assertTrue(console.err().contains("--pretraining takes lafs or supervised"), console.err());
        assertEquals(2, run(List.of("lafs", "demo", "--paired-start", "maybe")));
        assertTrue(console.err().contains("--paired-start is on or off"), console.err());
    }
}
