package panface.nn.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.nn.infer.RgbDecoder;
import panface.nn.infer.RgbDecoder.Rgb;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * Alignment against golden cases written by scripts/python/face_align_golden.py: Umeyama's SVD
 * solution in numpy float64 (as scikit-image states it) and a float64 bilinear warp with a black
 * border.
 */
class FaceAlignerTest {

    static Path resource(String name) {
        try {
            return Path.of(FaceAlignerTest.class.getResource("/face/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Rgb png(String name) throws IOException {
        try (RgbDecoder d = new RgbDecoder()) {
            return d.decode(Files.readAllBytes(resource(name)), name);
        }
    }

    private static double[] numbers(String line) {
        String[] p = line.trim().split(" ");
        double[] v = new double[p.length - 1];
        for (int i = 1; i < p.length; i++) {
            v[i - 1] = Double.parseDouble(p[i]);
        }
        return v;
    }

    @Test
    void transformAndCropMatchNumpy() throws IOException {
        List<String> lines = Files.readAllLines(resource("align_cases.txt"));
        Rgb photo = png("align_photo.png");
        int cases = 0;
        for (int i = 0; i + 2 < lines.size(); i += 3) {
            String crop = lines.get(i).split(" ")[2];
            double[] lm = numbers(lines.get(i + 1));
            double[] m = numbers(lines.get(i + 2));
            float[] lmf = new float[10];
            for (int j = 0; j < 10; j++) {
                lmf[j] = (float) lm[j];
            }
            SimilarityTransform t = SimilarityTransform.estimate(lm, FaceAligner.template(112));
            // Both are float64 closed forms of the same least-squares problem: agreement to rounding.
            assertArrayEquals(m, t.matrix(), 1e-9, "case " + crop);
            Rgb got = FaceAligner.align(photo, lmf, 112);
            Rgb want = png(crop);
            int worst = 0;
            for (int k = 0; k < want.pixels().length; k++) {
                worst = Math.max(worst, Math.abs((got.pixels()[k] & 0xFF) - (want.pixels()[k] & 0xFF)));
            }
            // Landmarks are read as float32, which moves sample points by ~1e-5 px; a level of rounding remains.
            assertTrue(worst <= 1, crop + ": max difference " + worst + " levels");
            cases++;
        }
        assertEquals(6, cases);
    }

    @Test
    void tensorAlignmentSamplesAsTheCpuWarp() throws IOException {
        // The device path (grid sampling of a photo tensor) against the golden crops: the same
        // bilinear sampling with a black border, unrounded, so within a level of the numpy warp.
        List<String> lines = Files.readAllLines(resource("align_cases.txt"));
        Rgb photo = png("align_photo.png");
        float[] chw = new float[3 * photo.width() * photo.height()];
        int plane = photo.width() * photo.height();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + i] = photo.pixels()[i * 3 + c] & 0xFF;
            }
        }
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(chw, 3, photo.height(), photo.width());
            for (int i = 0; i + 2 < lines.size(); i += 3) {
                String crop = lines.get(i).split(" ")[2];
                double[] lm = numbers(lines.get(i + 1));
                float[] lmf = new float[10];
                for (int j = 0; j < 10; j++) {
                    lmf[j] = (float) lm[j];
                }
                Tensor got = FaceAligner.align(x, lmf, 112);
                assertArrayEquals(new int[] {1, 3, 112, 112}, got.shape());
                float[] g = got.toFloatArray();
                Rgb want = png(crop);
                double worst = 0;
                for (int k = 0; k < 112 * 112; k++) {
                    for (int c = 0; c < 3; c++) {
                        worst = Math.max(worst, Math.abs(g[c * 112 * 112 + k] - (want.pixels()[k * 3 + c] & 0xFF)));
                    }
                }
                // The golden crop is rounded to levels: half a level, plus float32 sampling.
                assertTrue(worst <= 0.51, crop + ": max difference " + worst + " levels");
            }
        }
    }

    @Test
    void inverseMapsTheTemplateBackToTheLandmarks() {
        double[] lm = {100, 80, 140, 90, 118, 110, 98, 128, 134, 136};
        SimilarityTransform t = SimilarityTransform.estimate(lm, FaceAligner.template(112));
        double[] back = t.inverse().apply(t.apply(lm));
        assertArrayEquals(lm, back, 1e-9);
    }

    @Test
    void exactSimilarityIsRecovered() {
        // dst = 2 * R(30 deg) * src + (5, -3), hand-written: the fit must be exact.
        double c = 2 * Math.cos(Math.PI / 6);
        double s = 2 * Math.sin(Math.PI / 6);
        double[] src = {0, 0, 10, 0, 0, 10, 7, 3};
        double[] dst = new double[8];
        for (int i = 0; i < 8; i += 2) {
            dst[i] = c * src[i] - s * src[i + 1] + 5;
            dst[i + 1] = s * src[i] + c * src[i + 1] - 3;
        }
        SimilarityTransform t = SimilarityTransform.estimate(src, dst);
        assertArrayEquals(new double[] {c, -s, 5, s, c, -3}, t.matrix(), 1e-12);
    }

    @Test
    void coincidentPointsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SimilarityTransform.estimate(new double[] {1, 1, 1, 1}, new double[] {0, 0, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> FaceAligner.transform(new float[4], 112));
    }
}
