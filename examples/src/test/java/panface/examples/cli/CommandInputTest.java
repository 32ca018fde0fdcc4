package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import panface.nn.models.MobileFaceNet;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/** Odd and hostile command lines: refused before any work, with a message and the right exit code. */
class CommandInputTest {
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

    private int run(String... a) {
        console.reset();
        return Main.run(a);
    }

    private Path weights() throws Exception {
        Path p = dir.resolve("mbf.safetensors");
        try (Scope s = Scope.open()) {
            Safetensors.save(p, MobileFaceNet.standard(128, 3).stateDict(), Map.of("arch", "mbf"));
        }
        return p;
    }

    @Test
    void numbersOutOfRangeAreRefusedBeforeLoading() {
        String[] common = {"--model", "nowhere.pt", "--arch", "mbf", "a.png", "b.png"};
        for (String t : new String[] {"NaN", "Infinity", "-5", "1.5"}) {
            assertEquals(2, run(concat(new String[] {"compare", "--threshold", t}, common)), t);
            assertTrue(console.err().contains("--threshold"), console.err());
        }
        assertEquals(2, run("embed", "--model", "nowhere.pt", "--arch", "mbf", "--features", "4000000", "a.png"));
        assertTrue(console.err().contains("--features must be between 1 and 4096, got 4000000"), console.err());
        assertEquals(2, run("embed", "--model", "nowhere.pt", "--arch", "mbf", "--flip=perhaps", "a.png"));
        assertTrue(console.err().contains("--flip is true or false, got 'perhaps'"), console.err());
        assertEquals(2, run("train", "--lr", "Infinity"));
        assertTrue(console.err().contains("--lr expects a finite number, got 'Infinity'"), console.err());
        assertEquals(2, run("train", "--lr", "NaN"));
    }

    @Test
    void imagesAreReadByPathWithReasonsAndFlipFalseIsOff() throws Exception {
        Path w = weights();
        Path missing = dir.resolve("missing.png");
        assertEquals(1, run("embed", "--model", w.toString(), "--arch", "mbf", "--features", "128", missing.toString()));
        assertEquals("panface embed: " + missing + ": no such file", console.err().strip());
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                img.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | (x + y));
            }
        }
        Path face = dir.resolve("face.png");
        ImageIO.write(img, "png", face.toFile());
        String[] base = {"embed", "--model", w.toString(), "--arch", "mbf", "--features", "128", face.toString()};
        assertEquals(0, run(base), console.err());
        String plain = console.out();
        assertEquals(0, run(concat(base, new String[] {"--flip=false"})), console.err());
        assertEquals(plain, console.out(), "--flip=false is no flip");
        assertEquals(0, run(concat(base, new String[] {"--flip"})), console.err());
        assertNotEquals(plain, console.out(), "--flip adds the mirrored image");
    }

    @Test
    void aBadSavePathIsFoundBeforeTraining() throws Exception {
        assertEquals(2, run("train", "--save", dir.toString()));
        assertTrue(console.err().contains("--save " + dir + " is a folder"), console.err());
        assertFalse(console.out().contains("step"), "no training started");
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        assertEquals(2, run("train", "--save", file.resolve("ckpt.safetensors").toString()));
        assertTrue(console.err().contains("cannot be written: " + file + " is a file, not a folder"), console.err());
        assertEquals(2, run("train", "--stop-after", "3"));
        assertTrue(console.err().contains("need --save FILE"), console.err());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no probe file left behind");
        }
    }

    @Test
    void aDivergingRunStopsWithoutOverwritingTheCheckpoint() throws Exception {
        String[] tiny = {"train", "--steps", "3", "--identities", "10", "--batch", "4", "--dim", "8", "--depth", "1"};
        Path ckpt = dir.resolve("good.safetensors");
        assertEquals(0, run(concat(tiny, new String[] {"--save", ckpt.toString(), "--stop-after", "1"})), console.err());
        byte[] good = Files.readAllBytes(ckpt);
        // a finite but absurd learning rate: the first update sends the weights to the float limits, the next loss is NaN
        assertEquals(1, run(concat(tiny, new String[] {"--lr", "1e30", "--save", ckpt.toString()})));
        assertTrue(console.err().contains("training diverged at step 2: the loss is NaN"), console.err());
        assertArrayEquals(good, Files.readAllBytes(ckpt), "the good checkpoint is kept");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void goldenFailsWhenACaseFails() throws Exception {
        Path cases = Files.createDirectory(dir.resolve("cases"));
        Safetensors.save(cases.resolve("relu.safetensors"), Map.of("input.x", Tensor.of(new double[] {-1, 2}), "output.y",
                Tensor.of(new double[] {0, 2})), Map.of("op", "relu", "args", "{}", "schema", "1"));
        assertEquals(0, run("golden", cases.toString()));
        Safetensors.save(cases.resolve("broken.safetensors"), Map.of("input.nothing", Tensor.of(new double[] {1})),
                Map.of("op", "relu", "args", "{}", "schema", "1"));
        assertEquals(1, run("golden", cases.toString()));
        assertTrue(console.out().contains("\"status\":\"error\""), console.out());
        assertTrue(console.err().contains("1 of 2 cases failed"), console.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
