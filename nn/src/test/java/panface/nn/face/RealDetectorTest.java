package panface.nn.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.infer.RgbDecoder.Rgb;

/**
 * A real detector on real photos: insightface's RetinaFace-MobileNet0.25 (mnet.25_v2.onnx) on
 * scikit-image's astronaut, a side-by-side of the astronaut and the cameraman (two faces), a
 * cup of coffee (none) and six group photos of 3 to 5 people (npm @vladmandic/face-api's demo), against ONNX Runtime with numpy post-processing
 * (scripts/python/face_retinaface_golden.py). Skipped unless scripts/fetch-face-models.sh has put
 * the files in .face-data (or the folder named by PANFACE_FACE_DATA).
 */
class RealDetectorTest {

    static Path data() {
        String env = System.getenv("PANFACE_FACE_DATA");
        Path dir = env != null ? Path.of(env) : Path.of("..", ".face-data");
        return Files.isRegularFile(dir.resolve("mnet.25_v2.onnx")) && Files.isRegularFile(dir.resolve("astronaut.png")) ? dir : null;
    }

    private static Rgb side(Rgb a, Rgb b) {
        int w = a.width() + b.width();
        byte[] out = new byte[w * a.height() * 3];
        for (int y = 0; y < a.height(); y++) {
            System.arraycopy(a.pixels(), y * a.width() * 3, out, y * w * 3, a.width() * 3);
            System.arraycopy(b.pixels(), y * b.width() * 3, out, (y * w + a.width()) * 3, b.width() * 3);
        }
        return new Rgb(out, w, a.height());
    }

    @Test
    void retinaFaceMatchesOnnxRuntimeOnRealPhotos() throws IOException {
        Path dir = data();
        assumeTrue(dir != null, "no real detector: run scripts/fetch-face-models.sh (fetches mnet.25_v2.onnx and scikit-image's photos into .face-data)");
        Map<String, List<float[]>> want = new LinkedHashMap<>();
        List<float[]> cur = null;
        for (String line : Files.readAllLines(FaceAlignerTest.resource("retinaface_cases.txt"))) {
            String[] p = line.split(" ");
            if (p[0].equals("photo")) {
                cur = new ArrayList<>();
                want.put(p[1], cur);
            } else if (p[0].equals("face")) {
                float[] v = new float[p.length - 1];
                for (int i = 1; i < p.length; i++) {
                    v[i - 1] = Float.parseFloat(p[i]);
                }
                cur.add(v);
            }
        }
        Rgb astronaut = Photo.read(dir.resolve("astronaut.png")).pixels();
        Rgb camera = Photo.read(dir.resolve("camera.png")).pixels();
        Map<String, Rgb> photos = new java.util.HashMap<>(Map.of("astronaut.png", astronaut, "group", side(astronaut, camera), "coffee.png",
                Photo.read(dir.resolve("coffee.png")).pixels()));
        for (int i = 1; i <= 6; i++) {
            Path p = dir.resolve("sample" + i + ".jpg");
            assumeTrue(Files.isRegularFile(p), "no group photos: run scripts/fetch-face-models.sh again (it now fetches " + p.getFileName() + ")");
            photos.put(p.getFileName().toString(), Photo.read(p).pixels());
        }
        try (FaceDetector d = FaceDetector.load(dir.resolve("mnet.25_v2.onnx"), DetectorConfig.preset("retinaface_mnet025"))) {
            double worst = 0;
            for (Map.Entry<String, List<float[]>> e : want.entrySet()) {
                List<Face> got = d.detect(photos.get(e.getKey()));
                assertEquals(e.getValue().size(), got.size(), e.getKey() + ": number of faces, got " + got);
                for (int f = 0; f < got.size(); f++) {
                    float[] w = e.getValue().get(f);
                    Face g = got.get(f);
                    for (int k = 0; k < 4; k++) {
                        worst = Math.max(worst, Math.abs(g.box()[k] - w[k]));
                    }
                    for (int k = 0; k < 10; k++) {
                        worst = Math.max(worst, Math.abs(g.landmarks()[k] - w[5 + k]));
                    }
                    // float32 convolutions in another order than ONNX Runtime's: scores agree far closer than this.
                    assertEquals(w[4], g.score(), 1e-3, e.getKey() + " face " + f + " score");
                }
            }
            System.out.println("RealDetectorTest: largest box/landmark difference " + worst + " px");
            // The same input pixels and float32 arithmetic in another order: hundredths of a pixel (far inside
            // the 2 px alignment tolerates), so a decoding slip such as a half-pixel anchor offset shows.
            assertTrue(worst <= 0.1, "largest box/landmark difference " + worst + " px");
            assertEquals(2, want.get("group").size());
            assertEquals(0, want.get("coffee.png").size());
            // Every face of the group photos (counted by eye on the drawn results): 3, 3, 3, 4, 5, 4.
            int[] people = {3, 3, 3, 4, 5, 4};
            for (int i = 1; i <= 6; i++) {
                assertEquals(people[i - 1], want.get("sample" + i + ".jpg").size(), "sample" + i + ".jpg");
            }
        }
    }
}
