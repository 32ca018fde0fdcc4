package panface.examples.cli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import panface.tensor.io.Json;

/**
 * Small face-like images for the commands' tests: an image folder of identities (one subfolder
 * each) and an insightface verification .bin of pairs drawn from the same identities, from one
 * random stream (the folder first, then the pairs).
 */
final class ToyFaces {
    private ToyFaces() {
    }

    /** A 112x112 image of an identity: stripes set by the identity, noise from r, blue = identity * blueStep. */
    static BufferedImage face(int identity, int blueStep, Random r) {
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int v = (identity * 53 + (x / 16) * 31 + (y / 16) * 17 + r.nextInt(20)) & 0xFF;
                img.setRGB(x, y, (v << 16) | ((255 - v) << 8) | (identity * blueStep));
            }
        }
        return img;
    }

    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    /** dir/faces/person{id}/{k}.png for identities x perIdentity images; returns dir/faces. */
    static Path folder(Path dir, int identities, int perIdentity, int blueStep, Random r) throws Exception {
        Path faces = Files.createDirectories(dir.resolve("faces"));
        for (int id = 0; id < identities; id++) {
            Path folder = Files.createDirectories(faces.resolve("person" + id));
            for (int k = 0; k < perIdentity; k++) {
                ImageIO.write(face(id, blueStep, r), "png", folder.resolve(k + ".png").toFile());
            }
        }
        return faces;
    }

    /** dir/toy.bin: 10 pairs of those identities, the even ones the same identity. */
    static Path bin(Path dir, int identities, int blueStep, Random r) throws Exception {
        List<byte[]> images = new ArrayList<>();
        boolean[] same = new boolean[10];
        for (int p = 0; p < 10; p++) {
            same[p] = p % 2 == 0;
            images.add(png(face(p % identities, blueStep, r)));
            images.add(png(face(same[p] ? p % identities : (p + 1) % identities, blueStep, r)));
        }
        return Files.write(dir.resolve("toy.bin"), EvalCommandTest.pack(images, same));
    }

    /** The last line of a command's output, parsed as a JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> lastJson(String out) {
        String[] lines = out.strip().split("\n");
        return (Map<String, Object>) Json.parse(lines[lines.length - 1]);
    }
}
