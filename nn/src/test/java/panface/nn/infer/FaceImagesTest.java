package panface.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.models.MobileFaceNet;
import panface.tensor.Scope;

/**
 * The pixel values the model sees for each way a face crop can be stored: the stored values, as
 * OpenCV's imread gives them, whatever the colour model (before, gray images went through the
 * sRGB curve and CMYK JPEGs through a profile conversion: a face and its gray copy embedded at
 * cosine 0.60, its CMYK copy at 0.69).
 */
class FaceImagesTest {

    /** The 0..255 values of toInput's output, [channel][y][x]. */
    static int[][][] seen(BufferedImage img) {
        float[] in = FaceImages.toInput(img, 112);
        int[][][] px = new int[3][112][112];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    px[c][y][x] = Math.round((in[(c * 112 + y) * 112 + x] * 0.5f + 0.5f) * 255f);
                }
            }
        }
        return px;
    }

    /** Largest difference between what the model sees and expected levels per channel. */
    private static int maxDiff(int[][][] seen, int[][][] expected) {
        int m = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    m = Math.max(m, Math.abs(seen[c][y][x] - expected[c][y][x]));
                }
            }
        }
        return m;
    }

    private static int[][][] replicate(int[][] g) {
        return new int[][][] {g, g, g};
    }

    @Test
    void grayImagesGiveTheStoredLevelOnEveryChannel() throws Exception {
        int[][] g = ImageEncodings.grayFace(1);
        int[][][] png8 = seen(FaceImages.decode(ImageEncodings.png(ImageEncodings.grayImage(g, false))));
        assertEquals(0, maxDiff(png8, replicate(g)), "8-bit gray PNG");
        assertEquals(20, png8[0][0][0], "gray 20 stays 20 (the sRGB curve made it 79)");
        assertEquals(81, png8[1][0][1]);
        assertEquals(187, png8[2][0][2]);
        assertEquals(0, maxDiff(seen(FaceImages.decode(ImageEncodings.png(ImageEncodings.grayImage(g, true)))), replicate(g)),
                "16-bit gray PNG: the top byte (OpenCV's strip-16)");
        byte[] jpeg = ImageEncodings.jpeg(ImageEncodings.grayImage(g, false), null);
        int[][][] fromJpeg = seen(FaceImages.decode(jpeg));
        assertEquals(0, maxDiff(fromJpeg, replicate(ImageEncodings.rawJpegSamples(jpeg)[0])), "gray JPEG: the decoded samples");
        // quality 1.0 on a smooth pattern: the quantisation error of the DCT, a few levels
        assertTrue(maxDiff(fromJpeg, replicate(g)) <= 3, "gray JPEG within 3 levels of the original");
    }

    @Test
    void colourImagesGiveTheirStoredValues() throws Exception {
        int[][][] rgb = ImageEncodings.colourFace(2);
        assertEquals(0, maxDiff(seen(FaceImages.decode(ImageEncodings.png(ImageEncodings.rgbImage(rgb)))), rgb), "RGB PNG");
        assertEquals(0, maxDiff(seen(FaceImages.decode(ImageEncodings.png(ImageEncodings.rgb16Image(rgb)))), rgb), "16-bit RGB PNG");
        BufferedImage argb = new BufferedImage(112, 112, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                argb.setRGB(x, y, ((x * 5 + y) & 0xFF) << 24 | rgb[0][y][x] << 16 | rgb[1][y][x] << 8 | rgb[2][y][x]);
            }
        }
        assertEquals(0, maxDiff(seen(FaceImages.decode(ImageEncodings.png(argb))), rgb), "RGBA PNG: alpha ignored, not composited");
        byte[] r = new byte[256];
        byte[] gg = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) i;
            gg[i] = (byte) (255 - i);
            b[i] = (byte) (i * 7);
        }
        BufferedImage pal = new BufferedImage(112, 112, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, gg, b));
        int[][][] expected = new int[3][112][112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int i = rgb[0][y][x];
                pal.getRaster().setSample(x, y, 0, i);
                expected[0][y][x] = i;
                expected[1][y][x] = 255 - i;
                expected[2][y][x] = (i * 7) & 0xFF;
            }
        }
        assertEquals(0, maxDiff(seen(FaceImages.decode(ImageEncodings.png(pal))), expected), "palette PNG");
        byte[] jpeg = ImageEncodings.jpeg(ImageEncodings.rgbImage(rgb), null);
        int[][][] seenJpeg = seen(FaceImages.decode(jpeg));
        BufferedImage plain = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(jpeg));
        int[][][] plainRgb = new int[3][112][112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                for (int c = 0; c < 3; c++) {
                    plainRgb[c][y][x] = plain.getRGB(x, y) >> (16 - 8 * c) & 0xFF;
                }
            }
        }
        assertEquals(0, maxDiff(seenJpeg, plainRgb), "RGB JPEG: getRGB of an sRGB image converts nothing, so it is the reference");
        // quality 1.0 with the JDK's 2x2 chroma subsampling of a colour pattern: measured 6 levels
        assertTrue(maxDiff(seenJpeg, rgb) <= 8, "RGB JPEG within 8 levels: " + maxDiff(seenJpeg, rgb));
        BufferedImage pre = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB_PRE);
        pre.setRGB(0, 0, 0x80C86432);
        int got = new StoredRgb(pre).rgb(0, 0);
        // premultiplying 200 by 128/255 and dividing back loses at most one level
        assertTrue(Math.abs((got >> 16) - 200) <= 1 && Math.abs((got >> 8 & 0xFF) - 100) <= 1 && Math.abs((got & 0xFF) - 50) <= 1,
                Integer.toHexString(got));
    }

    /** Stored (Adobe-inverted) CMYK bytes that reproduce rgb: k' = max(r, g, b), c' = r * 255 / k'. */
    private static int[][][] storedCmykFor(int[][][] rgb) {
        int[][][] s = new int[4][112][112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int k = Math.max(rgb[0][y][x], Math.max(rgb[1][y][x], rgb[2][y][x]));
                s[3][y][x] = k;
                for (int c = 0; c < 3; c++) {
                    s[c][y][x] = k == 0 ? 255 : (int) Math.round(rgb[c][y][x] * 255.0 / k);
                }
            }
        }
        return s;
    }

    @Test
    void cmykAndYcckJpegsAreConvertedAsOpenCvDoes() throws Exception {
        int[][][] flat = new int[4][112][112];
        int[] stored = {200, 100, 50, 230};
        for (int c = 0; c < 4; c++) {
            for (int[] row : flat[c]) {
                java.util.Arrays.fill(row, stored[c]);
            }
        }
        // by hand from OpenCV's icvCvt_CMYK2BGR: 230 - ((255 - 200) * 230 >> 8) = 230 - 49 = 181, then 230 - 139, 230 - 184
        // (PIL gives 180, 90, 45; the JDK's getRGB gave 219, 160, 117)
        for (int transform : new int[] {0, 2}) {
            int[][][] px = seen(FaceImages.decode(ImageEncodings.adobeCmykJpeg(flat, transform)));
            assertEquals(181, px[0][50][50], "transform " + transform);
            assertEquals(91, px[1][50][50]);
            assertEquals(46, px[2][50][50]);
        }
        int[][][] rgb = ImageEncodings.colourFace(3);
        byte[] cmyk = ImageEncodings.adobeCmykJpeg(storedCmykFor(rgb), 0);
        int[][][] raw = ImageEncodings.rawJpegSamples(cmyk);
        int[][][] pil = new int[3][112][112];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    pil[c][y][x] = (int) Math.round(raw[c][y][x] * raw[3][y][x] / 255.0);
                }
            }
        }
        int[][][] seenCmyk = seen(FaceImages.decode(cmyk));
        // OpenCV's k' - ((255 - c') k' >> 8) and PIL's c' k' / 255 differ by less than 2 levels (1.88 at most over all bytes)
        assertTrue(maxDiff(seenCmyk, pil) <= 2, "within 2 levels of PIL's conversion of the decoded bytes: " + maxDiff(seenCmyk, pil));
        // four lossy channels at quality 1.0 plus the rounding of c' and the conversion: a few levels
        assertTrue(maxDiff(seenCmyk, rgb) <= 5, "CMYK JPEG near the original RGB: " + maxDiff(seenCmyk, rgb));
        int[][][] seenYcck = seen(FaceImages.decode(ImageEncodings.adobeCmykJpeg(storedCmykFor(rgb), 2)));
        assertTrue(maxDiff(seenYcck, rgb) <= 6, "YCCK JPEG near the original RGB: " + maxDiff(seenYcck, rgb));
    }

    @Test
    void everyEncodingOfAFaceEmbedsAlike() throws Exception {
        int[][][] rgb = ImageEncodings.colourFace(4);
        int[][] g = ImageEncodings.grayFace(5);
        Map<String, byte[]> colour = new LinkedHashMap<>();
        colour.put("RGB JPEG", ImageEncodings.jpeg(ImageEncodings.rgbImage(rgb), null));
        colour.put("16-bit RGB PNG", ImageEncodings.png(ImageEncodings.rgb16Image(rgb)));
        colour.put("CMYK JPEG", ImageEncodings.adobeCmykJpeg(storedCmykFor(rgb), 0));
        colour.put("YCCK JPEG", ImageEncodings.adobeCmykJpeg(storedCmykFor(rgb), 2));
        Map<String, byte[]> gray = new LinkedHashMap<>();
        gray.put("8-bit gray PNG", ImageEncodings.png(ImageEncodings.grayImage(g, false)));
        gray.put("16-bit gray PNG", ImageEncodings.png(ImageEncodings.grayImage(g, true)));
        gray.put("gray JPEG", ImageEncodings.jpeg(ImageEncodings.grayImage(g, false), null));
        try (Scope s = Scope.open(); FaceEmbedder e = FaceEmbedder.of(MobileFaceNet.standard(128, 3), 128, false, 4)) {
            float[] ref = e.embed(ImageEncodings.png(ImageEncodings.rgbImage(rgb)));
            for (Map.Entry<String, byte[]> en : colour.entrySet()) {
                double c = FaceEmbedder.cosine(ref, e.embed(en.getValue()));
                // a few levels of JPEG error move a face's embedding by about 1e-4 (RGB PNG against JPEG: 0.9999)
                assertTrue(c > 0.999, en.getKey() + ": cosine " + c);
            }
            float[] grayRef = e.embed(ImageEncodings.png(ImageEncodings.rgbImage(replicate(g))));
            // the same pixels give the same bits (the kernels round the same way in every JIT tier)
            assertArrayEquals(grayRef, e.embed(gray.get("8-bit gray PNG")), "8-bit gray PNG = the same levels as RGB");
            assertArrayEquals(grayRef, e.embed(gray.get("16-bit gray PNG")), "16-bit gray PNG = the same levels as RGB");
            double c = FaceEmbedder.cosine(grayRef, e.embed(gray.get("gray JPEG")));
            assertTrue(c > 0.999, "gray JPEG: cosine " + c);
        }
    }

    @Test
    void resizingKeepsLevelsAndInterpolatesAsOpenCv() {
        BufferedImage flat = new BufferedImage(50, 70, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 70; y++) {
            for (int x = 0; x < 50; x++) {
                flat.getRaster().setSample(x, y, 0, 20);
            }
        }
        int[][][] px = seen(flat);
        assertEquals(0, maxDiff(px, constant(20)), "a resized gray 20 stays 20");
        for (int[] size : new int[][] {{37, 23}, {300, 200}}) {
            int w = size[0];
            int h = size[1];
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, ((x * 37 + y * 11) & 0xFF) << 16 | ((x * y) & 0xFF) << 8 | ((x + 5 * y) & 0xFF));
                }
            }
            float[] in = FaceImages.toInput(img, 112);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 112; y += 7) {
                    for (int x = 0; x < 112; x += 5) {
                        double expected = bilinear(img, c, x, y, 112) / 127.5 - 1;
                        // float32 interpolation of 0..255 values: well under 1e-5 of the [-1, 1] range
                        assertEquals(expected, in[(c * 112 + y) * 112 + x], 1e-5, w + "x" + h + " c" + c + " (" + x + "," + y + ")");
                    }
                }
            }
        }
    }

    private static int[][][] constant(int v) {
        int[][] p = new int[112][112];
        for (int[] row : p) {
            java.util.Arrays.fill(row, v);
        }
        return replicate(p);
    }

    /** cv2.resize INTER_LINEAR at one output pixel, in float64: centre-aligned source position, clamped at the borders. */
    private static double bilinear(BufferedImage img, int channel, int ox, int oy, int out) {
        double sx = Math.max(0, (ox + 0.5) * img.getWidth() / out - 0.5);
        double sy = Math.max(0, (oy + 0.5) * img.getHeight() / out - 0.5);
        int x0 = Math.min((int) sx, img.getWidth() - 1);
        int y0 = Math.min((int) sy, img.getHeight() - 1);
        int x1 = Math.min(x0 + 1, img.getWidth() - 1);
        int y1 = Math.min(y0 + 1, img.getHeight() - 1);
        double fx = x0 == img.getWidth() - 1 ? 0 : sx - x0;
        double fy = y0 == img.getHeight() - 1 ? 0 : sy - y0;
        int shift = 16 - 8 * channel;
        double v00 = img.getRGB(x0, y0) >> shift & 0xFF;
        double v01 = img.getRGB(x1, y0) >> shift & 0xFF;
        double v10 = img.getRGB(x0, y1) >> shift & 0xFF;
        double v11 = img.getRGB(x1, y1) >> shift & 0xFF;
        return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
    }
}
