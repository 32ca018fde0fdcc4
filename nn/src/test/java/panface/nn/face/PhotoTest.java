package panface.nn.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.nn.infer.RgbDecoder.Rgb;

/** Photos made upright by EXIF orientation, gray and CMYK JPEGs, against Pillow (scripts/python/face_photo_golden.py). */
class PhotoTest {

    @Test
    void orientationGrayAndCmykMatchPillow() throws IOException {
        for (String line : Files.readAllLines(FaceAlignerTest.resource("photo_cases.txt"))) {
            String[] p = line.split(" ");
            byte[] jpeg = Files.readAllBytes(FaceAlignerTest.resource(p[0]));
            Rgb img = Photo.decode(jpeg, p[0], 4096).pixels();
            assertEquals(Integer.parseInt(p[1]), img.width(), p[0] + " width");
            assertEquals(Integer.parseInt(p[2]), img.height(), p[0] + " height");
            for (int q = 0; q < 4; q++) {
                int x = Integer.parseInt(p[3 + 5 * q]);
                int y = Integer.parseInt(p[4 + 5 * q]);
                for (int c = 0; c < 3; c++) {
                    int want = Integer.parseInt(p[5 + 5 * q + c]);
                    int got = img.pixels()[(y * img.width() + x) * 3 + c] & 0xFF;
                    // Lossy JPEG with chroma subsampling and another decoder: flat quadrant centres agree to a few levels.
                    assertTrue(Math.abs(got - want) <= 12, p[0] + " quadrant " + q + " channel " + c + ": " + got + " vs " + want);
                }
            }
        }
    }

    @Test
    void exifOrientationIsRead() throws IOException {
        for (int o = 1; o <= 8; o++) {
            assertEquals(o, ExifOrientation.of(Files.readAllBytes(FaceAlignerTest.resource("exif_" + o + ".jpg"))));
        }
        assertEquals(1, ExifOrientation.of(Files.readAllBytes(FaceAlignerTest.resource("gray.jpg"))));
        assertEquals(1, ExifOrientation.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 1}));
    }

    @Test
    void corruptDataGivesAClearError() throws IOException {
        IOException e = assertThrows(IOException.class, () -> Photo.decode("not an image at all".getBytes(), "upload.jpg", 4096));
        assertTrue(e.getMessage().startsWith("upload.jpg: not a readable image"), e.getMessage());
        byte[] jpeg = Files.readAllBytes(FaceAlignerTest.resource("exif_6.jpg"));
        IOException cut = assertThrows(IOException.class, () -> Photo.decode(Arrays.copyOf(jpeg, jpeg.length / 2), "cut.jpg", 4096));
        assertTrue(cut.getMessage().startsWith("cut.jpg: ") && cut.getMessage().contains("damaged"), cut.getMessage());
    }

    @Test
    void largePhotosAreShrunkByBlockAverages() {
        // 5 x 1 gray ramp 0, 10, 20, 30, 40 with limit 2: factor 3, blocks {0,10,20} -> 10 and {30,40} -> 35.
        byte[] px = new byte[15];
        for (int i = 0; i < 5; i++) {
            Arrays.fill(px, i * 3, i * 3 + 3, (byte) (i * 10));
        }
        Photo p = Photo.of(new Rgb(px, 5, 1), 2);
        assertEquals(3f, p.scale());
        assertEquals(2, p.pixels().width());
        assertEquals(10, p.pixels().pixels()[0]);
        assertEquals(35, p.pixels().pixels()[3]);
    }
}
