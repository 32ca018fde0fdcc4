package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.tensor.io.Json;

/** {@code panface faces} end to end on the nn module's small SCRFD-layout detector and its golden photos. */
class FacesCommandTest {
    private static final Path FACE = Path.of("..", "nn", "src", "test", "resources", "face");
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
    void printsOneJsonLinePerFaceAndDraws() throws IOException {
        long golden = Files.readAllLines(FACE.resolve("det_cases.txt")).stream().dropWhile(l -> !l.startsWith("photo align_photo.png"))
                .skip(1).takeWhile(l -> l.startsWith("face")).count();
        Path out = dir.resolve("drawn.png");
        assertEquals(0, Main.run(new String[] {"faces", "--detector", FACE.resolve("tiny_scrfd.onnx").toString(), "--det-size", "160",
            "--draw", out.toString(), FACE.resolve("align_photo.png").toString()}), console.err());
        List<String> lines = console.out().lines().toList();
        assertEquals(golden, lines.size(), console.out());
        Map<String, Object> first = Json.parseObject(lines.get(0));
        assertEquals(FACE.resolve("align_photo.png").toString(), first.get("photo"));
        assertEquals(4, ((List<?>) first.get("box")).size());
        assertEquals(5, ((List<?>) first.get("landmarks")).size());
        var img = ImageIO.read(out.toFile());
        assertEquals(240, img.getWidth());
        assertEquals(180, img.getHeight());
    }

    @Test
    void aPhotoWithoutFacesPrintsNothingAndABadOneFails() throws IOException {
        String det = FACE.resolve("tiny_scrfd.onnx").toString();
        assertEquals(0, Main.run(new String[] {"faces", "--detector", det, "--det-size", "160", FACE.resolve("det_photo_black.png").toString()}));
        assertEquals("", console.out());
        Path bad = dir.resolve("bad.jpg");
        Files.writeString(bad, "not a photo");
        assertNotEquals(0, Main.run(new String[] {"faces", "--detector", det, bad.toString()}));
        assertTrue(console.err().contains("bad.jpg: not a readable image"), console.err());
        assertEquals(2, Main.run(new String[] {"faces", FACE.resolve("align_photo.png").toString()}));
        assertTrue(console.err().contains("--detector and at least one photo are required"), console.err());
    }
}
