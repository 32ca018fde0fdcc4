package panface.nn.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile and broken image input fails early with a message that says what is wrong. */
class ImageDecodingTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(FaceImages.MAX_PIXELS_PROPERTY);
        System.clearProperty(FaceImages.ACCEPT_DAMAGED_PROPERTY);
    }

    @Test
    void aHugeDeclaredSizeIsRefusedBeforeDecoding() throws Exception {
        byte[] bomb = ImageEncodings.pngHeaderOnly(20000, 20000);
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> FaceImages.decode(bomb));
        assertTrue(e.getMessage().contains("20000 x 20000 = 400,000,000 pixels, more than the limit of 67,108,864"), e.getMessage());
        assertTrue(e.getMessage().contains(FaceImages.MAX_PIXELS_PROPERTY), e.getMessage());
        // refused from the header: nothing of the 400 megapixels is allocated or inflated
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "refused quickly");
        byte[] face = ImageEncodings.png(ImageEncodings.rgbImage(ImageEncodings.colourFace(1)));
        System.setProperty(FaceImages.MAX_PIXELS_PROPERTY, "12543");
        IOException small = assertThrows(IOException.class, () -> FaceImages.decode(face));
        assertTrue(small.getMessage().contains("112 x 112 = 12,544 pixels, more than the limit of 12,543"), small.getMessage());
        System.setProperty(FaceImages.MAX_PIXELS_PROPERTY, "12544");
        assertEquals(112, FaceImages.decode(face).getWidth());
        System.setProperty(FaceImages.MAX_PIXELS_PROPERTY, "lots");
        assertThrows(IllegalArgumentException.class, () -> FaceImages.decode(face));
    }

    @Test
    void aTruncatedJpegIsRefusedUnlessAccepted() throws Exception {
        byte[] jpeg = ImageEncodings.jpeg(ImageEncodings.rgbImage(ImageEncodings.colourFace(2)), null);
        byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);
        IOException e = assertThrows(IOException.class, () -> FaceImages.decode(half));
        assertTrue(e.getMessage().contains("damaged JPEG data") && e.getMessage().contains("truncated"), e.getMessage());
        Path file = dir.resolve("half.jpg");
        Files.write(file, half);
        IOException named = assertThrows(IOException.class, () -> FaceImages.read(file));
        assertTrue(named.getMessage().startsWith(file + ": damaged JPEG data"), named.getMessage());
        System.setProperty(FaceImages.ACCEPT_DAMAGED_PROPERTY, "true");
        BufferedImage repaired = FaceImages.decode(half);
        assertEquals(112, repaired.getHeight());
        System.clearProperty(FaceImages.ACCEPT_DAMAGED_PROPERTY);
        assertEquals(112, FaceImages.decode(jpeg).getHeight(), "the whole file decodes without warnings");
        byte[] png = ImageEncodings.png(ImageEncodings.rgbImage(ImageEncodings.colourFace(2)));
        IOException cutPng = assertThrows(IOException.class, () -> FaceImages.decode(Arrays.copyOf(png, png.length / 2)));
        assertTrue(cutPng.getMessage().contains("cannot decode the 112 x 112 png image"), cutPng.getMessage());
    }

    @Test
    void fileProblemsNameThePathAndTheReason() throws Exception {
        Path missing = dir.resolve("nobody.png");
        IOException e = assertThrows(IOException.class, () -> FaceImages.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        IOException folder = assertThrows(IOException.class, () -> FaceImages.read(dir));
        assertEquals(dir + ": is a folder, not an image", folder.getMessage());
        Path empty = Files.createFile(dir.resolve("empty.jpg"));
        assertEquals(empty + ": empty file, not an image", assertThrows(IOException.class, () -> FaceImages.read(empty)).getMessage());
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image at all");
        IOException junk = assertThrows(IOException.class, () -> FaceImages.read(text));
        assertTrue(junk.getMessage().startsWith(text + ": not a readable image (format not recognised; supported: "), junk.getMessage());
        Path good = Files.write(dir.resolve("face.png"), ImageEncodings.png(ImageEncodings.rgbImage(ImageEncodings.colourFace(3))));
        assertEquals(112, FaceImages.read(good).getWidth());
    }

    @Test
    void causesAreSpelledOut() {
        IOException wrapped = new IOException("Caught exception during read: ", new OutOfMemoryError("Java heap space"));
        assertEquals("Caught exception during read: out of memory (Java heap space)", ImageDecoder.reason(wrapped));
    }
}
