package panface.nn.infer;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.CRC32;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Test images in the encodings real face crops come in, made with the JDK's encoders (no stored files). */
final class ImageEncodings {
    private ImageEncodings() {
    }

    /** A smooth colour pattern (JPEG-friendly) with the whole 0..255 range in each channel. */
    static int[][][] colourFace(long seed) {
        int[][][] rgb = new int[3][112][112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                double r = 127.5 + 127.5 * Math.sin(0.05 * x + 0.03 * y + seed);
                double g = 127.5 + 127.5 * Math.cos(0.04 * y - 0.02 * x + 2 * seed);
                double b = 127.5 + 127.5 * Math.sin(0.03 * (x + y) + 3 * seed);
                rgb[0][y][x] = (int) Math.round(r);
                rgb[1][y][x] = (int) Math.round(g);
                rgb[2][y][x] = (int) Math.round(b);
            }
        }
        return rgb;
    }

    /** A smooth gray pattern with the whole 0..255 range; the top row holds 20, 81 and 187 (the levels of the bug report). */
    static int[][] grayFace(long seed) {
        int[][] g = new int[112][112];
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                g[y][x] = (int) Math.round(127.5 + 127.5 * Math.sin(0.05 * x + 0.04 * y + seed) * Math.cos(0.02 * x - 0.03 * y));
            }
        }
        g[0][0] = 20;
        g[0][1] = 81;
        g[0][2] = 187;
        return g;
    }

    static BufferedImage rgbImage(int[][][] rgb) {
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                img.setRGB(x, y, rgb[0][y][x] << 16 | rgb[1][y][x] << 8 | rgb[2][y][x]);
            }
        }
        return img;
    }

    static BufferedImage grayImage(int[][] g, boolean sixteenBit) {
        BufferedImage img = new BufferedImage(112, 112, sixteenBit ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                // 16-bit: the level in the top byte and a varying low byte, which must not change the 8-bit result
                img.getRaster().setSample(x, y, 0, sixteenBit ? g[y][x] << 8 | (x * 7 + y) & 0xFF : g[y][x]);
            }
        }
        return img;
    }

    /** 16-bit RGB: each level in the top byte, a varying low byte. */
    static BufferedImage rgb16Image(int[][][] rgb) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(112, 112);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                for (int c = 0; c < 3; c++) {
                    r.setSample(x, y, c, rgb[c][y][x] << 8 | (x + 3 * y + c) & 0xFF);
                }
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer for this image");
        }
        return out.toByteArray();
    }

    /** A JPEG at quality 1.0 of an image, or of a raster (written as its stored bands, no colour conversion). */
    static byte[] jpeg(BufferedImage img, Raster raster) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1f);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, img != null ? new IIOImage(img, null, null) : new IIOImage(raster, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    /**
     * A four-channel JPEG as Photoshop writes them: an Adobe APP14 marker (transform 0 = CMYK, 2 =
     * YCCK) and inverted bytes (stored c' = 255 - cyan ink). The JDK writes the four stored bands
     * as given and no marker, so the marker is spliced in after SOI. For YCCK the first three
     * stored bands are the JFIF YCbCr transform of (255 - c', 255 - m', 255 - y'), which libjpeg
     * inverts when decoding (ycck_cmyk_convert).
     */
    static byte[] adobeCmykJpeg(int[][][] storedCmyk, int transform) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 112, 112, 4, null);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int c = storedCmyk[0][y][x];
                int m = storedCmyk[1][y][x];
                int ye = storedCmyk[2][y][x];
                if (transform == 2) {
                    double rr = 255 - c;
                    double gg = 255 - m;
                    double bb = 255 - ye;
                    c = clamp(0.299 * rr + 0.587 * gg + 0.114 * bb);
                    m = clamp(128 - 0.168736 * rr - 0.331264 * gg + 0.5 * bb);
                    ye = clamp(128 + 0.5 * rr - 0.418688 * gg - 0.081312 * bb);
                }
                r.setSample(x, y, 0, c);
                r.setSample(x, y, 1, m);
                r.setSample(x, y, 2, ye);
                r.setSample(x, y, 3, storedCmyk[3][y][x]);
            }
        }
        byte[] plain = jpeg(null, r);
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] out = new byte[plain.length + app14.length];
        System.arraycopy(plain, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(plain, 2, out, 2 + app14.length, plain.length - 2);
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The decoded samples of a JPEG with no colour conversion (ImageReader.readRaster), [band][y][x]. */
    static int[][][] rawJpegSamples(byte[] jpeg) throws IOException {
        ImageReader rd = ImageIO.getImageReadersByFormatName("jpeg").next();
        try {
            rd.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg)));
            Raster r = rd.readRaster(0, null);
            int[][][] s = new int[r.getNumBands()][r.getHeight()][r.getWidth()];
            for (int b = 0; b < r.getNumBands(); b++) {
                for (int y = 0; y < r.getHeight(); y++) {
                    for (int x = 0; x < r.getWidth(); x++) {
                        s[b][y][x] = r.getSample(x, y, b);
                    }
                }
            }
            return s;
        } finally {
            rd.dispose();
        }
    }

    /** A PNG header for a w x h 8-bit gray image with a token IDAT: the size is declared, the pixels are not there. */
    static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 0; // gray
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
