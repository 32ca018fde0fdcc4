package panface.nn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.awt.image.BufferedImage;

import javax.imageio.ImageIO;

/** The RecordIO files written by make_fixtures.py, and test images. */
final class Fixtures {
    private Fixtures() {
    }

    /** The fixture file {@code name} (in the test resources' recordio folder). */
    static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/recordio/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the .rec and .idx (and property) of {@code base} into {@code dir}. */
    static Path copy(String base, Path dir) throws IOException {
        for (String ext : new String[] {".rec", ".idx"}) {
            Files.copy(resource(base + ext), dir.resolve(base + ext), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir.resolve(base + ".rec");
    }

    /** The pixel value make_fixtures.py gives channel c of pixel (x, y) of image key k in class cls. */
    static int pixel(int cls, int k, int c, int x, int y) {
        return switch (c) {
            case 0 -> 10 * cls + x;
            case 1 -> 100 + k;
            default -> 200 + y;
        };
    }

    /** A w x h RGB image of the given packed colours function, encoded. */
    static byte[] encode(int w, int h, String format, java.util.function.IntBinaryOperator rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb.applyAsInt(x, y));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no " + format + " writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
