package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.faceloss.gif.IdentityCodes;
import panface.nn.models.MobileFaceNet;
import panface.tensor.io.Safetensors;

/** {@code gif demo} on a tiny problem, and {@code gif codes} from a packed image folder and saved weights. */
class GifCommandTest {
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
    void demoReportsHeadSizesAndCodes() {
        assertEquals(0, Main.run(new String[] {"gif", "demo", "--identities", "40", "--heldout", "10", "--k", "4", "--steps", "20",
                "--pretrain", "20", "--homogenise", "3", "--batch", "32"}), console.err());
        String[] lines = console.out().trim().split("\n");
        String json = lines[lines.length - 1];
        // 40 identities, k = 4: l = 3 (4^2 < 40 <= 4^3); heads 3 x 4 x (32 + 1) floats, FC 40 x (32 + 1) floats
        assertTrue(json.contains("\"head_bytes\": " + 4 * 40 * 33), json);
        assertTrue(json.contains("\"head_bytes\": " + 4 * 3 * 4 * 33), json);
        assertTrue(json.contains("\"codes\": {\"k\": 4, \"l\": 3, \"collisions\": 0}"), json);
    }

    @Test
    void demoRunsWithPrefixConditionedMarginHeads() {
        assertEquals(0, Main.run(new String[] {"gif", "demo", "--identities", "40", "--heldout", "10", "--k", "4", "--steps", "5",
                "--pretrain", "5", "--homogenise", "1", "--batch", "32", "--conditioning", "prefix", "--margin", "arcface"}), console.err());
        assertTrue(console.out().trim().endsWith("}"), console.out());
    }

    @Test
    void codesFromAModelAndARecordFile() throws Exception {
        Path faces = dir.resolve("faces");
        int[] colours = {0xFF0000, 0x00FF00, 0x0000FF};
        for (int id = 0; id < 3; id++) {
            Files.createDirectories(faces.resolve("id" + id));
            for (int j = 0; j < 2; j++) {
                BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 112; y++) {
                    for (int x = 0; x < 112; x++) {
                        img.setRGB(x, y, (x + y) % (7 + j) == 0 ? 0xFFFFFF : colours[id]);
                    }
                }
                ImageIO.write(img, "png", faces.resolve("id" + id + "/" + j + ".png").toFile());
            }
        }
        Path rec = dir.resolve("train.rec");
        assertEquals(0, Main.run(new String[] {"pack", faces.toString(), rec.toString()}), console.err());
        Path weights = dir.resolve("mbf.safetensors");
        Safetensors.save(weights, MobileFaceNet.standard(128, 3).stateDict(), Map.of("arch", "mbf"));
        Path out = dir.resolve("codes.gifc");
        assertEquals(0, Main.run(new String[] {"gif", "codes", "--arch", "mbf", "--model", weights.toString(), "--features", "128", "--data",
                rec.toString(), "--out", out.toString(), "--k", "2", "--homogenise", "2", "--batch", "2"}), console.err());
        IdentityCodes codes = IdentityCodes.read(out);
        // 3 identities, k = 2: l = 2, and a balanced tree of 4 leaves holds them without collision
        assertEquals(3, codes.size());
        assertEquals(2, codes.l());
        assertEquals(0, codes.collisions());

        // the sampled homogenisation, then the codes train a backbone on the same record file
        assertEquals(0, Main.run(new String[] {"gif", "codes", "--arch", "mbf", "--model", weights.toString(), "--features", "128", "--data",
                rec.toString(), "--out", out.toString(), "--k", "2", "--homogenise", "2", "--sampled", "yes", "--batch", "2"}), console.err());
        assertEquals(0, IdentityCodes.read(out).collisions());
        assertEquals(0, Main.run(new String[] {"train", "--head", "gif", "--codes", out.toString(), "--data", rec.toString(), "--steps", "2",
                "--batch", "2", "--dim", "8", "--depth", "1", "--no-progress"}), console.err());
        assertTrue(console.out().contains("GIF codes k=2 l=2 for 3 identities"), console.out());
    }
}
