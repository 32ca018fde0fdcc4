package panface.nn.infer;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

/**
 * Turns aligned face images into the model's input: RGB, CHW, (x/255 - 0.5)/0.5, as insightface
 * trains and evaluates. Images that are not size x size are resized (bilinear); faces should be
 * aligned beforehand (five-point similarity transform to the ArcFace template).
 */
public final class FaceImages {
    private FaceImages() {
    }

    /** Decodes an encoded image (JPEG, PNG, BMP, ...). */
    public static BufferedImage decode(byte[] encoded) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
        if (img == null) {
            throw new IOException("not a readable image (" + encoded.length + " bytes); supported: " + String.join(", ", ImageIO.getReaderFormatNames()));
        }
        return img;
    }

    /** The normalised CHW float values of an image, resized to size x size when needed. */
    public static float[] toInput(BufferedImage img, int size) {
        BufferedImage src = img.getWidth() == size && img.getHeight() == size ? img : resize(img, size);
        float[] out = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = src.getRGB(x, y);
                int i = y * size + x;
                out[i] = normalize((rgb >> 16) & 0xFF);
                out[plane + i] = normalize((rgb >> 8) & 0xFF);
                out[2 * plane + i] = normalize(rgb & 0xFF);
            }
        }
        return out;
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

    private static BufferedImage resize(BufferedImage img, int size) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, size, size, null);
        g.dispose();
        return out;
    }
}
