package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

class FlipEmbedderTest {
    private static final int PER = 3 * 112 * 112;

    private static float[] input(int seed) {
        Random r = new Random(seed);
        float[] x = new float[PER];
        for (int i = 0; i < PER; i++) {
            x[i] = (float) (Math.sin(i * 0.001 * (seed + 1)) * 0.8 + 0.1 * r.nextGaussian());
        }
        return x;
    }

    /** A face ViT small enough to run in milliseconds: 16 patches of 28 x 28, width 16, one block. */
    private static FaceViT tiny() {
        return new FaceViT(new ViTConfig(112, 28, 16, 1, 2, 2.0, 16, 0, 0, false, 5));
    }

    @Test
    void sumsTheImageAndItsMirrorAndAveragesTheSingleViewNorms() throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            FaceViT m = tiny();
            assertThrows(IllegalStateException.class, () -> new FlipEmbedder(m, 2).embed(1, i -> input(i)), "training mode is refused");
            m.eval();
            float[][] in = {input(0), input(1), input(2)};
            // Reference: one batch of three, forward of x and of x mirrored along the width, summed here.
            float[] all = new float[3 * PER];
            for (int i = 0; i < 3; i++) {
                System.arraycopy(in[i], 0, all, i * PER, PER);
            }
            Tensor x = Tensor.of(all, 3, 3, 112, 112);
            float[] a = m.forward(x).toFloatArray();
            float[] b = m.forward(F.flip(x, 3)).toFloatArray();
            double norms = 0;
            for (int i = 0; i < 3; i++) {
                double na = 0;
                double nb = 0;
                for (int d = 0; d < 16; d++) {
                    na += (double) a[i * 16 + d] * a[i * 16 + d];
                    nb += (double) b[i * 16 + d] * b[i * 16 + d];
                }
                norms += Math.sqrt(na) + Math.sqrt(nb);
            }
            FlipEmbedder e = new FlipEmbedder(m, 2);
            FlipEmbedder.Embeddings got = e.embed(3, i -> in[i]);
            for (int i = 0; i < 3; i++) {
                for (int d = 0; d < 16; d++) {
                    float want = a[i * 16 + d] + b[i * 16 + d];
                    // Tolerance: batches of 2 and 1 against one of 3; the float32 kernels may round differently per batch size.
                    assertEquals(want, got.summed()[i][d], 1e-5 * (Math.abs(want) + 1e-6), "image " + i + " component " + d);
                }
            }
            // Tolerance: as above, relative.
            assertEquals(norms / 6, got.normMean(), 1e-5 * norms / 6);

            // Two threads at once get what one thread gets.
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<FlipEmbedder.Embeddings>> fs = List.of(pool.submit(() -> e.embed(3, i -> in[i])), pool.submit(() -> e.embed(3, i -> in[i])));
                for (Future<FlipEmbedder.Embeddings> f : fs) {
                    for (int i = 0; i < 3; i++) {
                        assertArrayEquals(got.summed()[i], f.get().summed()[i], 0f);
                    }
                }
            }
        }
    }

    @Test
    void anUndecodableImageNamesThePackImageAndPair() {
        try (Scope s = Scope.open()) {
            FaceViT m = tiny();
            m.eval();
            VerificationPack pack = new VerificationPack("toy", List.of(new byte[] {1, 2, 3}, new byte[] {4}), new boolean[] {true});
            IOException e = assertThrows(IOException.class, () -> new FlipEmbedder(m, 4).embed(pack));
            assertTrue(e.getMessage().startsWith("toy: image 0 (pair 0): "), e.getMessage());
        }
    }
}
