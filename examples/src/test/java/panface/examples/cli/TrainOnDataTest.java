package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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
 * {@code train --data}: the LVFace recipe on a user's faces, from an image folder and from the
 * .rec that {@code pack} writes of it, evaluated on a verification pack given with {@code --bin};
 * the JSON line carries the pack's before and after results.
 */
class TrainOnDataTest {
    private static final String[] SMALL = {"--steps", "3", "--batch", "4", "--dim", "16", "--depth", "1", "--log-every", "1", "--no-progress"};
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
    void trainsOnAnImageFolderAndOnItsPackedRecordFile() throws Exception {
        Random r = new Random(5);
        Path faces = ToyFaces.folder(dir, 4, 3, 60, r);
        Path bin = ToyFaces.bin(dir, 4, 60, r);

        List<String> folderRun = new ArrayList<>(List.of("train", "--data", faces.toString(), "--bin", bin.toString(), "--roc",
                dir.resolve("roc.png").toString()));
        folderRun.addAll(List.of(SMALL));
        assertEquals(0, run(folderRun), console.err());
        assertTrue(console.out().contains("4 identities, 12 images"), console.out());
        Map<String, Object> json = lastJson();
        for (String when : new String[] {"before", "after"}) {
            Map<String, Object> m = (Map<String, Object>) json.get(when);
            double acc = ((Number) m.get("accuracy")).doubleValue();
            assertTrue(acc >= 0 && acc <= 1, when + ": " + acc);
        }
        assertTrue(Files.size(dir.resolve("roc.png")) > 0);

        Path rec = dir.resolve("faces.rec");
        assertEquals(0, run(List.of("pack", faces.toString(), rec.toString())), console.err());
        List<String> recRun = new ArrayList<>(List.of("train", "--data", rec.toString()));
        recRun.addAll(List.of(SMALL));
        assertEquals(0, run(recRun), console.err());
        assertTrue(console.out().contains("4 identities, 12 images"), console.out());
        Map<String, Object> noPacks = lastJson();
        assertEquals(null, noPacks.get("after"), "without --bin nothing is evaluated");
    }

    @Test
    void packsWithoutDataAreAUsageError() {
        assertEquals(2, run(List.of("train", "--bin", "x.bin")));
        assertTrue(console.err().contains("--bin and --skip-bad-records go with --data"), console.err());
    }
}
