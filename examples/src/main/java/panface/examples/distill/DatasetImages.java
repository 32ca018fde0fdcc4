package panface.examples.distill;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

import panface.nn.data.FaceDataset;

/**
 * The images of an image folder or an insightface .rec as a fixed set for distillation (labels
 * ignored): each decoded, resized to side x side when it is another size, and normalised the
 * insightface way, (v / 255 - 0.5) / 0.5, RGB.
 */
public final class DatasetImages implements DistillImages {
    private final FaceDataset data;
    private final int side;

    public DatasetImages(FaceDataset data, int side) {
        this.data = data;
        this.side = side;
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int side() {
        return side;
    }

    @Override
    public void fill(int[] idx, float[] out) {
        int plane = side * side;
        for (int n = 0; n < idx.length; n++) {
            BufferedImage img;
            try {
                img = ImageIO.read(new ByteArrayInputStream(data.read(idx[n]).image()));
            } catch (IOException e) {
                throw new UncheckedIOException(data.describe(idx[n]) + ": " + e.getMessage(), e);
            }
            if (img == null) {
                throw new UncheckedIOException(new IOException(data.describe(idx[n]) + ": not a decodable image"));
            }
            if (img.getWidth() != side || img.getHeight() != side) {
                BufferedImage r = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = r.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(img, 0, 0, side, side, null);
                g.dispose();
                img = r;
            }
            int base = n * 3 * plane;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int rgb = img.getRGB(x, y);
                    int p = y * side + x;
                    out[base + p] = ((rgb >> 16 & 255) / 255f - 0.5f) / 0.5f;
                    out[base + plane + p] = ((rgb >> 8 & 255) / 255f - 0.5f) / 0.5f;
                    out[base + 2 * plane + p] = ((rgb & 255) / 255f - 0.5f) / 0.5f;
                }
            }
        }
    }
}
