package panface.nn.infer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import panface.nn.data.Resize;

/**
 * Turns aligned face images into the model's input: RGB, CHW, (x/255 - 0.5)/0.5, as insightface
 * trains and evaluates. Pixel values are the stored ones, as OpenCV's imread gives them (gray
 * replicated to R = G = B, 16-bit samples cut to their top 8 bits, CMYK converted as OpenCV does,
 * alpha ignored; the rules are in StoredRgb), never colour-managed. Images that are not size x size
 * are resized bilinearly with OpenCV's INTER_LINEAR pixel-centre convention; faces should be
 * aligned beforehand (five-point similarity transform to the ArcFace template).
 *
 * <p>Decoding refuses images of more than {@value #DEFAULT_MAX_PIXELS} pixels (8192 x 8192; the
 * system property {@value #MAX_PIXELS_PROPERTY} changes the limit) before allocating them, and
 * damaged data that the decoder only warns about, such as a truncated JPEG (the system property
 * {@value #ACCEPT_DAMAGED_PROPERTY}{@code =true} accepts it).
 */
public final class FaceImages {
    /** The system property with the largest number of pixels an image may have. */
    public static final String MAX_PIXELS_PROPERTY = "panface.image.maxPixels";
    /** The system property that, when "true", accepts images the decoder warned about (truncated, corrupt). */
    public static final String ACCEPT_DAMAGED_PROPERTY = "panface.image.acceptDamaged";
    /** The default pixel limit: 8192 x 8192. */
    public static final long DEFAULT_MAX_PIXELS = 8192L * 8192;

    private FaceImages() {
    }

    /** The current pixel limit ({@value #MAX_PIXELS_PROPERTY}, default {@value #DEFAULT_MAX_PIXELS}). */
    public static long maxPixels() {
        String v = System.getProperty(MAX_PIXELS_PROPERTY);
        if (v == null) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(MAX_PIXELS_PROPERTY + " must be a positive whole number of pixels, got '" + v + "'");
    }

    private static boolean acceptDamaged() {
        return Boolean.getBoolean(ACCEPT_DAMAGED_PROPERTY);
    }

    /** Decodes an encoded image (JPEG, PNG, BMP, GIF, TIFF, ...) within the pixel limit. */
    public static BufferedImage decode(byte[] encoded) throws IOException {
        String what = "image data (" + encoded.length + " bytes)";
        return ImageDecoder.decode(new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded)), what, maxPixels(), acceptDamaged());
    }

    /** Reads and decodes an image file; errors name the file and the reason (no such file, not an image, too large, truncated). */
    public static BufferedImage read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a folder, not an image");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            if (ch.size() == 0) {
                throw new IOException(file + ": empty file, not an image");
            }
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": permission denied", e);
        } catch (FileSystemException e) {
            throw new IOException(file + ": cannot be opened (" + (e.getReason() != null ? e.getReason() : e.getMessage()) + ")", e);
        }
        return ImageDecoder.decode(new FileImageInputStream(file.toFile()), file.toString(), maxPixels(), acceptDamaged());
    }

    /** The normalised CHW float values of an image, resized to size x size when needed. */
    public static float[] toInput(BufferedImage img, int size) {
        StoredRgb px = new StoredRgb(img);
        float[] out = new float[3 * size * size];
        int plane = size * size;
        if (px.width() == size && px.height() == size) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = px.rgb(x, y);
                    int i = y * size + x;
                    out[i] = normalize((rgb >> 16) & 0xFF);
                    out[plane + i] = normalize((rgb >> 8) & 0xFF);
                    out[2 * plane + i] = normalize(rgb & 0xFF);
                }
            }
            return out;
        }
        int[] x0 = new int[size];
        float[] fx = new float[size];
        Resize.taps(px.width(), size, x0, fx);
        int[] y0 = new int[size];
        float[] fy = new float[size];
        Resize.taps(px.height(), size, y0, fy);
        int lastX = px.width() - 1;
        int lastY = px.height() - 1;
        for (int y = 0; y < size; y++) {
            int ya = y0[y];
            int yb = Math.min(ya + 1, lastY);
            for (int x = 0; x < size; x++) {
                int xa = x0[x];
                int xb = Math.min(xa + 1, lastX);
                int p00 = px.rgb(xa, ya);
                int p01 = px.rgb(xb, ya);
                int p10 = px.rgb(xa, yb);
                int p11 = px.rgb(xb, yb);
                int i = y * size + x;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    float top = lerp((p00 >> shift) & 0xFF, (p01 >> shift) & 0xFF, fx[x]);
                    float bottom = lerp((p10 >> shift) & 0xFF, (p11 >> shift) & 0xFF, fx[x]);
                    out[c * plane + i] = normalize(lerp(top, bottom, fy[y]));
                }
            }
        }
        return out;
    }

    private static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }

    /** Normalises raw RGB pixel values (0..255, CHW, 3 x size x size) in place and returns them. */
    public static float[] normalizeRgb(float[] chw, int size) {
        if (chw.length != 3 * size * size) {
            throw new IllegalArgumentException("expected 3 x " + size + " x " + size + " = " + 3 * size * size + " values (RGB, CHW), got "
                    + chw.length);
        }
        for (int i = 0; i < chw.length; i++) {
            chw[i] = normalize(chw[i]);
        }
        return chw;
    }

    private static float normalize(float v) {
        return (v / 255f - 0.5f) / 0.5f;
    }
}
