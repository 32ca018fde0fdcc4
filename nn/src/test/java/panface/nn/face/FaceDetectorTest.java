package panface.nn.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.infer.RgbDecoder.Rgb;

/**
 * The detector on a small graph with SCRFD's output layout against ONNX Runtime plus insightface's
 * post-processing written out in numpy (scripts/python/face_detector_golden.py): the same faces,
 * in the same order, with boxes and landmarks matching. The graph's weights are random: this checks
 * the importer on the layout, letterboxing, decoding, batching and NMS, not detection quality.
 */
class FaceDetectorTest {

    private static Map<String, List<float[]>> golden() throws IOException {
        Map<String, List<float[]>> m = new LinkedHashMap<>();
        List<float[]> cur = null;
        for (String line : Files.readAllLines(FaceAlignerTest.resource("det_cases.txt"))) {
            String[] p = line.split(" ");
            if (p[0].equals("photo")) {
                cur = new ArrayList<>();
                m.put(p[1], cur);
            } else if (p[0].equals("face")) {
                float[] v = new float[p.length - 1];
                for (int i = 1; i < p.length; i++) {
                    v[i - 1] = Float.parseFloat(p[i]);
                }
                cur.add(v);
            }
        }
        return m;
    }

    @Test
    void batchedDetectionsMatchOnnxRuntime() throws IOException {
        Map<String, List<float[]>> want = golden();
        List<Rgb> photos = new ArrayList<>();
        for (String name : want.keySet()) {
            photos.add(FaceAlignerTest.png(name));
        }
        try (FaceDetector d = FaceDetector.load(FaceAlignerTest.resource("tiny_scrfd.onnx"), DetectorConfig.scrfd(160, 160))) {
            List<List<Face>> got = d.detect(photos);
            double worst = 0;
            int i = 0;
            int total = 0;
            for (Map.Entry<String, List<float[]>> e : want.entrySet()) {
                List<Face> faces = got.get(i);
                assertEquals(e.getValue().size(), faces.size(), e.getKey() + ": number of faces");
                for (int f = 0; f < faces.size(); f++) {
                    float[] w = e.getValue().get(f);
                    Face g = faces.get(f);
                    float[] box = g.box();
                    for (int k = 0; k < 4; k++) {
                        worst = Math.max(worst, Math.abs(box[k] - w[k]));
                    }
                    for (int k = 0; k < 10; k++) {
                        worst = Math.max(worst, Math.abs(g.landmarks()[k] - w[5 + k]));
                    }
                    // float32 convolutions summed in another order than ONNX Runtime's.
                    assertEquals(w[4], g.score(), 1e-4, e.getKey() + " face " + f + " score");
                }
                total += faces.size();
                i++;
            }
            // Letterbox pixels may round differently by a level (float32 here, float64 in numpy), which moves a
            // pooled feature by far less than this; the tolerance is well inside the 2 pixels that matter for alignment.
            System.out.println("FaceDetectorTest: " + total + " faces, largest box/landmark difference " + worst + " px");
            assertTrue(worst < 0.05, "largest box/landmark difference " + worst + " px");
            assertTrue(total > 10, "the golden case should have detections to compare, has " + total);
            assertTrue(want.get("det_photo_black.png").isEmpty() && got.get(2).isEmpty(), "a black photo has no faces");
            // One photo at a time gives the same as the batch.
            List<Face> single = d.detect(photos.get(1));
            assertEquals(got.get(1), single);
        }
    }

    @Test
    void concurrentCallsGiveTheSameFaces() throws Exception {
        Rgb photo = FaceAlignerTest.png("align_photo.png");
        try (FaceDetector d = FaceDetector.load(FaceAlignerTest.resource("tiny_scrfd.onnx"), DetectorConfig.scrfd(160, 160))) {
            List<Face> once = d.detect(photo);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<List<Face>>> runs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    runs.add(pool.submit(() -> d.detect(photo)));
                }
                for (var r : runs) {
                    assertEquals(once, r.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void aConfigThatDoesNotFitTheOutputsIsRefused() throws IOException {
        DetectorConfig threeAnchors = new DetectorConfig(160, 160, 127.5f, 128f, false, new int[] {8, 16, 32}, 3, true, 0.5f, 0.4f, null, null);
        try (FaceDetector d = FaceDetector.load(FaceAlignerTest.resource("tiny_scrfd.onnx"), threeAnchors)) {
            Rgb photo = FaceAlignerTest.png("det_photo_black.png");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.detect(photo));
            assertTrue(e.getMessage().contains("do not fit the config") && e.getMessage().contains("score_8 [1, 800, 1]"), e.getMessage());
        }
    }

    @Test
    void analyzerMapsADownscaledPhotoBack() throws IOException {
        Rgb full = FaceAlignerTest.png("align_photo.png");
        Photo small = Photo.of(full, 120);
        assertEquals(2f, small.scale());
        assertEquals(120, small.pixels().width());
        try (FaceAnalyzer a = new FaceAnalyzer(FaceDetector.load(FaceAlignerTest.resource("tiny_scrfd.onnx"), DetectorConfig.scrfd(160, 160)), null)) {
            List<Face> direct = FaceDetector.load(FaceAlignerTest.resource("tiny_scrfd.onnx"), DetectorConfig.scrfd(160, 160)).detect(small.pixels());
            List<Face> mapped = a.detect(small);
            assertEquals(direct.size(), mapped.size());
            for (int i = 0; i < direct.size(); i++) {
                assertEquals(direct.get(i).x2() * 2, mapped.get(i).x2(), 1e-4);
                assertEquals(direct.get(i).landmarks()[9] * 2, mapped.get(i).landmarks()[9], 1e-4);
            }
            if (!mapped.isEmpty()) {
                Rgb crop = a.align(small, mapped.get(0));
                Rgb same = FaceAligner.align(small.pixels(), direct.get(0).landmarks(), 112);
                assertTrue(java.util.Arrays.equals(crop.pixels(), same.pixels()), "the crop is taken from the downscaled pixels");
            }
        }
    }
}
