package panface.nn.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.nativebindings.turbojpeg.TurboJpeg;

/**
 * RgbDecoder gives the pixels FaceImages (javax.imageio + StoredRgb) gives, whichever decoder it
 * uses: colour and gray JPEGs, CMYK JPEGs (which TurboJPEG hands back to javax.imageio), PNGs;
 * and it refuses a truncated JPEG.
 */
class RgbDecoderTest {

    /** Largest difference between RgbDecoder's bytes and the stored values javax.imageio gives. */
    private static int maxDiff(byte[] encoded) throws IOException {
        BufferedImage ref = FaceImages.decode(encoded);
        StoredRgb px = new StoredRgb(ref);
        try (RgbDecoder d = new RgbDecoder()) {
            RgbDecoder.Rgb rgb = d.decode(encoded, "test image");
            assertEquals(ref.getWidth(), rgb.width());
            assertEquals(ref.getHeight(), rgb.height());
            int worst = 0;
            for (int y = 0; y < rgb.height(); y++) {
                for (int x = 0; x < rgb.width(); x++) {
                    int v = px.rgb(x, y);
                    for (int c = 0; c < 3; c++) {
                        int want = (v >> (16 - 8 * c)) & 0xFF;
                        worst = Math.max(worst, Math.abs(want - (rgb.pixels()[(y * rgb.width() + x) * 3 + c] & 0xFF)));
                    }
                }
            }
            return worst;
        }
    }

    @Test
    void samePixelsAsTheImageIoPathForEveryKindOfImage() throws IOException {
        BufferedImage colour = ImageEncodings.rgbImage(ImageEncodings.colourFace(3));
        // libjpeg-turbo's and the JDK's libjpeg share the integer IDCT, upsampling and colour
        // conversion: the same bytes are expected; 1 level allows for SIMD rounding in other builds
        assertTrue(maxDiff(ImageEncodings.jpeg(colour, null)) <= 1, "colour JPEG");
        assertTrue(maxDiff(ImageEncodings.jpeg(ImageEncodings.grayImage(ImageEncodings.grayFace(2), false), null)) <= 1, "gray JPEG");
        int[][][] cmyk = new int[4][112][112];
        for (int c = 0; c < 4; c++) {
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    cmyk[c][y][x] = (x * (c + 1) + y * 3) & 0xFF;
                }
            }
        }
        assertEquals(0, maxDiff(ImageEncodings.adobeCmykJpeg(cmyk, 0)), "CMYK JPEG goes through javax.imageio");
        assertEquals(0, maxDiff(ImageEncodings.png(colour)), "PNG");
        assertEquals(0, maxDiff(ImageEncodings.png(ImageEncodings.grayImage(ImageEncodings.grayFace(2), true))), "16-bit gray PNG");
    }

    @Test
    void directCopyOfInterleavedRastersMatchesStoredRgb() {
        BufferedImage bgr = new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage gray = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                bgr.setRGB(x, y, (40 * x) << 16 | (50 * y + 7) << 8 | (x * y * 11 + 3));
                gray.getRaster().setSample(x, y, 0, 17 * x + 60 * y);
            }
        }
        for (BufferedImage img : new BufferedImage[] {bgr, gray}) {
            byte[] rgb = RgbDecoder.rgb(img);
            StoredRgb px = new StoredRgb(img);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 5; x++) {
                    int v = px.rgb(x, y);
                    for (int c = 0; c < 3; c++) {
                        assertEquals((v >> (16 - 8 * c)) & 0xFF, rgb[(y * 5 + x) * 3 + c] & 0xFF, "type " + img.getType());
                    }
                }
            }
        }
    }

    @Test
    void truncatedJpegIsRefused() throws IOException {
        byte[] jpeg = ImageEncodings.jpeg(ImageEncodings.rgbImage(ImageEncodings.colourFace(1)), null);
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
        try (RgbDecoder d = new RgbDecoder()) {
            IOException e = assertThrows(IOException.class, () -> d.decode(cut, "half.jpg"));
            assertTrue(e.getMessage().startsWith("half.jpg: ") && e.getMessage().contains("damaged"), e.getMessage());
        }
    }

    @Test
    void reportsWhichJpegDecoderIsUsed() {
        assertEquals(TurboJpeg.available() && !"false".equals(System.getProperty(RgbDecoder.TURBOJPEG_PROPERTY)), RgbDecoder.usesTurboJpeg());
    }
}
