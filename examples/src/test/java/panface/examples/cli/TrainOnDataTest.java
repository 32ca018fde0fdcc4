package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.tensor.io.Json;

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

    private static BufferedImage face(int identity, Random r) {
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int v = (identity * 53 + (x / 16) * 31 + (y / 16) * 17 + r.nextInt(20)) & 0xFF;
                img.setRGB(x, y, (v << 16) | ((255 - v) << 8) | (identity * 60));
            }
        }
        return img;
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> lastJson() {
        String[] lines = console.out().strip().split("\n");
        return (Map<String, Object>) Json.parse(lines[lines.length - 1]);
    }

    @Test
    void trainsOnAnImageFolderAndOnItsPackedRecordFile() throws Exception {
        Random r = new Random(5);
        Path faces = Files.createDirectories(dir.resolve("faces"));
        for (int id = 0; id < 4; id++) {
            Path folder = Files.createDirectories(faces.resolve("person" + id));
            for (int k = 0; k < 3; k++) {
                ImageIO.write(face(id, r), "png", folder.resolve(k + ".png").toFile());
            }
        }
        List<byte[]> images = new ArrayList<>();
        boolean[] same = new boolean[10];
        for (int p = 0; p < 10; p++) {
            same[p] = p % 2 == 0;
            images.add(png(face(p % 4, r)));
            images.add(png(face(same[p] ? p % 4 : (p + 1) % 4, r)));
        }
        Path bin = Files.write(dir.resolve("toy.bin"), EvalCommandTest.pack(images, same));

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
