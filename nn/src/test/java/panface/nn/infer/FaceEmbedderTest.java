package panface.nn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.models.MobileFaceNet;
import panface.tensor.Scope;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

class FaceEmbedderTest {
    @TempDir
    Path dir;

    private static BufferedImage face(long seed) {
        Generator g = new Generator(seed);
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int r = (int) (127 + 100 * Math.sin((x + seed) * 0.1) + 20 * g.nextDouble());
                int gg = (int) (127 + 100 * Math.cos(y * 0.07 * (1 + seed % 3)));
                int b = (x * y + (int) seed * 7) & 0xFF;
                img.setRGB(x, y, (Math.min(255, Math.max(0, r)) << 16) | (gg << 8) | b);
            }
        }
        return img;
    }

    private Path weights() throws Exception {
        Path p = dir.resolve("mbf.safetensors");
        try (Scope s = Scope.open()) {
            Safetensors.save(p, MobileFaceNet.standard(128, 3).stateDict(), Map.of("arch", "mbf"));
        }
        return p;
    }

    @Test
    void embedsConcurrentlyAndConsistently() throws Exception {
        try (FaceEmbedder e = FaceEmbedder.load("mbf", weights(), 128, false, 4)) {
            List<BufferedImage> faces = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                faces.add(face(i));
            }
            float[][] batch = e.embed(faces);
            assertEquals(128, batch[0].length);
            for (float[] v : batch) {
                assertEquals(1.0, FaceEmbedder.cosine(v, v), 1e-6);
                double n = 0;
                for (float f : v) {
                    n += f * f;
                }
                assertEquals(1.0, Math.sqrt(n), 1e-5, "embeddings are unit length");
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> fs = new ArrayList<>();
                for (int rep = 0; rep < 3; rep++) {
                    for (BufferedImage f : faces) {
                        fs.add(pool.submit(() -> e.embed(f)));
                    }
                }
                for (int i = 0; i < fs.size(); i++) {
                    assertArrayEquals(batch[i % faces.size()], fs.get(i).get(), 1e-5f, "thread-safe, batch-independent result " + i);
                }
            } finally {
                pool.shutdown();
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(faces.get(2), "png", png);
            assertArrayEquals(batch[2], e.embed(png.toByteArray()), 1e-6f);
            assertTrue(FaceEmbedder.cosine(batch[0], batch[1]) < 0.9999);
            assertThrows(java.io.IOException.class, () -> e.embed(new byte[] {1, 2, 3}));
        }
    }

    @Test
    void flipAugmentationAddsTheMirroredEmbedding() throws Exception {
        Path w = weights();
        try (FaceEmbedder plain = FaceEmbedder.load("mbf", w, 128, false, 8); FaceEmbedder tta = FaceEmbedder.load("mbf", w, 128, true, 8)) {
            BufferedImage img = face(5);
            BufferedImage mirrored = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    mirrored.setRGB(111 - x, y, img.getRGB(x, y));
                }
            }
            float[] a = plain.embed(img);
            float[] b = plain.embed(mirrored);
            float[] t = tta.embed(img);
            assertTrue(FaceEmbedder.cosine(t, a) > 0.5 && FaceEmbedder.cosine(t, b) > 0.5);
            assertArrayEquals(t, tta.embed(mirrored), 1e-5f, "flip TTA is symmetric in the mirror image");
        }
    }

    @Test
    void refusesMismatchedWeightsAndUseAfterClose() throws Exception {
        Path w = weights();
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> FaceEmbedder.load("mbf", w, 512, false, 8));
        assertTrue(bad.getMessage().contains("mismatched"), bad.getMessage());
        FaceEmbedder e = FaceEmbedder.load("mbf", w, 128, false, 8);
        e.close();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.embed(face(1)));
    }
}
