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

import panface.nn.io.WeightFiles;
import panface.nn.models.MobileFaceNet;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
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

    /** The model input written out here: RGB planes of (v / 255 - 0.5) / 0.5. */
    private static float[] input(BufferedImage img) {
        float[] x = new float[3 * 112 * 112];
        for (int y = 0; y < 112; y++) {
            for (int c = 0; c < 112; c++) {
                int rgb = img.getRGB(c, y);
                for (int ch = 0; ch < 3; ch++) {
                    int v = (rgb >> (16 - 8 * ch)) & 0xFF;
                    x[(ch * 112 + y) * 112 + c] = (float) ((v / 255.0 - 0.5) / 0.5);
                }
            }
        }
        return x;
    }

    /**
     * Unnormalised embeddings from a plain forward pass of a separately loaded copy of the model
     * in evaluation mode (no inference preparation, no embedder code).
     */
    private static double[][] plainForward(Path weights, List<BufferedImage> images) throws Exception {
        try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
            MobileFaceNet m = MobileFaceNet.standard(128, 99);
            m.loadStateDict(WeightFiles.stateDict(weights), true);
            m.eval();
            int per = 3 * 112 * 112;
            float[] batch = new float[images.size() * per];
            for (int i = 0; i < images.size(); i++) {
                System.arraycopy(input(images.get(i)), 0, batch, i * per, per);
            }
            double[] flat = m.forward(Tensor.of(batch, images.size(), 3, 112, 112)).toDoubleArray();
            double[][] out = new double[images.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * 128, (i + 1) * 128);
            }
            return out;
        }
    }

    private static double[] unit(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / Math.sqrt(n);
        }
        return out;
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    @Test
    void embedsConcurrentlyAndConsistently() throws Exception {
        Path w = weights();
        try (FaceEmbedder e = FaceEmbedder.load("mbf", w, 128, false, 4)) {
            List<BufferedImage> faces = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                faces.add(face(i));
            }
            float[][] batch = e.embed(faces);
            double[][] raw = plainForward(w, faces);
            for (int i = 0; i < faces.size(); i++) {
                // float32 forward passes that differ only in GEMM blocking: a few ulps of the unit vector's entries
                assertArrayEquals(unit(raw[i]), toDouble(batch[i]), 1e-5, "face " + i + ": the L2-normalised plain forward pass");
            }
            for (int i = 1; i < faces.size(); i++) {
                double[] a = unit(raw[0]);
                double[] b = unit(raw[i]);
                double want = 0;
                for (int k = 0; k < a.length; k++) {
                    want += a[k] * b[k];
                }
                assertEquals(want, FaceEmbedder.cosine(batch[0], batch[i]), 1e-5, "cosine of faces 0 and " + i);
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
            double[][] raw = plainForward(w, List.of(img, mirrored));
            double[] sum = new double[128];
            for (int k = 0; k < 128; k++) {
                sum[k] = raw[0][k] + raw[1][k];
            }
            float[] t = tta.embed(img);
            // float32 forward passes that differ only in GEMM blocking
            assertArrayEquals(unit(sum), toDouble(t), 1e-5, "normalize(f(x) + f(flip(x)))");
            assertArrayEquals(unit(raw[0]), toDouble(plain.embed(img)), 1e-5, "no flip without TTA");
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
