package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import panface.faceloss.gif.IdentityCodes;
import panface.tensor.io.Json;

/**
 * {@code train --head gif}: a run on generated identities with a codes file, stopped and resumed,
 * evaluated with the embedding; and the usage errors (no codes, codes of another k, GIF options
 * without the GIF head).
 */
class TrainGifTest {
    private static final List<String> RUN = List.of("train", "--identities", "10", "--images-per-identity", "4", "--batch", "4", "--dim", "8",
            "--depth", "1", "--held-out", "4", "--eval-pairs", "20", "--steps", "3", "--log-every", "1", "--no-progress");
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

    private int run(String... extra) {
        console.reset();
        List<String> a = new ArrayList<>(RUN);
        a.addAll(List.of(extra));
        return Main.run(a.toArray(String[]::new));
    }

    private Path codes() throws Exception {
        int[] t = new int[20];
        for (int y = 0; y < 10; y++) {
            t[2 * y] = y / 4;
            t[2 * y + 1] = y % 4;
        }
        Path file = dir.resolve("codes.gifc");
        new IdentityCodes(4, 2, t).write(file);
        return file;
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainsWithTokenHeadsStopsResumesAndEvaluatesTheEmbedding() throws Exception {
        String codes = codes().toString();
        String save = dir.resolve("gif.safetensors").toString();
        String roc = dir.resolve("roc.png").toString();
        assertEquals(0, run("--head", "gif", "--codes", codes, "--gif-heads", "margin", "--save", save, "--stop-after", "2"), console.err());
        assertTrue(console.out().contains("GIF codes k=4 l=2 for 10 identities: 2 independent ArcFace s=64 m=0.50 token heads"),
                console.out());
        assertTrue(console.out().contains("gif (k 4, l 2)"), console.out());
        assertEquals(2, run("--head", "gif", "--codes", codes, "--resume", save));
        assertTrue(console.err().contains("--gif-heads softmax (checkpoint: margin)"), console.err());
        assertEquals(0, run("--head", "gif", "--codes", codes, "--gif-heads", "margin", "--resume", save, "--roc", roc), console.err());
        assertTrue(console.out().contains("resumed " + save + " after step 2 of 3"), console.out());
        String[] lines = console.out().strip().split("\n");
        Map<String, Object> json = (Map<String, Object>) Json.parse(lines[lines.length - 1]);
        double acc = ((Number) ((Map<String, Object>) json.get("after")).get("accuracy")).doubleValue();
        assertTrue(acc >= 0 && acc <= 1, "evaluated on the held-out pairs: " + acc);
    }

    @Test
    void usageErrorsSayWhatIsMissing() throws Exception {
        assertEquals(2, run("--head", "gif"));
        assertTrue(console.err().contains("--head gif needs --codes CODES") && console.err().contains("panface gif codes"), console.err());
        String codes = codes().toString();
        assertEquals(2, run("--head", "gif", "--codes", codes, "--gif-k", "8"));
        assertTrue(console.err().contains("has k=4 l=2, not the --gif-k/--gif-l given"), console.err());
        assertEquals(2, run("--codes", codes));
        assertTrue(console.err().contains("--codes and the --gif-* options go with --head gif"), console.err());
        assertEquals(2, run("--head", "softmax"));
        assertTrue(console.err().contains("--head is fc"), console.err());
    }
}
