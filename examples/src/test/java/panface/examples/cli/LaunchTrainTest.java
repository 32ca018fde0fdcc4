package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.tensor.io.Json;

/**
 * {@code panface launch --nproc-per-node 2 -- train ...} end to end on the CPU: two JVMs join
 * through the launcher's store and train data-parallel with the store's collectives; rank 0
 * alone prints the JSON line, and the sharded checkpoint (one file per rank) resumes.
 */
class LaunchTrainTest {
    private static final List<String> TRAIN = List.of("train", "--identities", "10", "--images-per-identity", "4", "--batch", "4", "--dim",
            "8", "--depth", "1", "--held-out", "4", "--eval-pairs", "20", "--steps", "2", "--log-every", "1");
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

    private int launch(String... extra) {
        List<String> a = new ArrayList<>(List.of("launch", "--nproc-per-node", "2", "--"));
        a.addAll(TRAIN);
        a.addAll(List.of("--roc", dir.resolve("roc.png").toString()));
        a.addAll(List.of(extra));
        return Main.run(a.toArray(String[]::new));
    }

    @Test
    void twoCpuRanksTrainAndRankZeroAlonePrintsTheJsonLine() throws Exception {
        Path save = dir.resolve("ckpt");
        assertEquals(0, launch("--save", save.toString(), "--stop-after", "1", "--bucket-mb", "1"), console.out() + console.err());
        assertTrue(console.out().contains("gradient all-reduce in buckets of 1 MiB overlapped with the backward pass"), console.out());
        assertTrue(Files.exists(save.resolve("rank-0-of-2.safetensors")) && Files.exists(save.resolve("rank-1-of-2.safetensors")),
                "one checkpoint file per rank");
        assertEquals(0, launch("--save", save.toString(), "--resume", save.toString(), "--no-overlap", "--grad-compression", "bf16"), console.out() + console.err());
        String out = console.out();
        assertTrue(out.contains("gradient all-reduce in buckets of 16 MiB, sent in bf16, after the backward pass"), out);
        assertTrue(out.contains("[rank 0] resumed " + save + " after step 1 of 2"), out);
        assertTrue(out.contains("[rank 0] step    2"), out);
        List<String> json = out.lines().filter(l -> l.contains("{\"before\"")).toList();
        assertEquals(1, json.size(), out);
        assertTrue(json.get(0).startsWith("[rank 0] "), json.get(0));
        assertTrue(out.lines().noneMatch(l -> l.startsWith("[rank 1] ")), "rank 1 logs nothing:\n" + out);
        Map<String, Object> result = Json.parseObject(json.get(0).substring("[rank 0] ".length()));
        assertTrue(result.get("after") instanceof Map, json.get(0));
        assertTrue(Files.exists(dir.resolve("roc.png")));
    }
}
