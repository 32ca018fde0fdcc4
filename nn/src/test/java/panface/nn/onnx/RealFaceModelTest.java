package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.InferencePlan;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * A published face recognition model (npm faceplugin-face-recognition-js 0.0.1, fr_feature.onnx) on
 * real face crops gives ONNX Runtime's embeddings: per crop cosine at least 0.9999 (the bar for
 * "the same embedding"; float32 sums in another order move it by far less), and the same
 * same/different decision for every pair at thresholds 0.2 to 0.6. The files are not part of the
 * repository: bench/scripts/check-real-face-model.sh fetches them and writes ONNX Runtime's
 * embeddings; this test runs when the environment variable PANFACE_FACE_MODELS names that folder
 * and is skipped otherwise.
 */
class RealFaceModelTest {
    private static final double MIN_COSINE = 0.9999;

    @Test
    void publishedModelMatchesOnnxRuntimeOnRealFaces() throws Exception {
        String where = System.getenv("PANFACE_FACE_MODELS");
        assumeTrue(where != null, "PANFACE_FACE_MODELS is not set (bench/scripts/check-real-face-model.sh fetches the model and faces)");
        Path dir = Path.of(where);
        for (String f : new String[] {"fr_feature.onnx", "crops.safetensors", "fr_feature_ort.safetensors"}) {
            assumeTrue(Files.isRegularFile(dir.resolve(f)), dir.resolve(f) + " is missing (run bench/scripts/check-real-face-model.sh)");
        }
        try (Scope s = Scope.open(); var g = GradMode.noGrad(); OnnxModel m = OnnxModel.load(dir.resolve("fr_feature.onnx"))) {
            Tensor x = Safetensors.load(dir.resolve("crops.safetensors")).get("x").sub(127).div(128).contiguous();
            InferencePlan plan = m.compileInference(x.narrow(0, 0, 1).contiguous());
            Map<String, Tensor> ort = Safetensors.load(dir.resolve("fr_feature_ort.safetensors"));
            Tensor want = ort.get("embedding");
            int n = x.size(0);
            assertEquals(n, want.size(0));
            float[][] a = new float[n][];
            float[][] b = new float[n][];
            for (int i = 0; i < n; i++) {
                a[i] = want.narrow(0, i, 1).contiguous().toFloatArray();
                b[i] = plan.run(x.narrow(0, i, 1).contiguous()).contiguous().toFloatArray();
                double c = cosine(a[i], b[i]);
                assertTrue(c >= MIN_COSINE, "crop " + i + ": cosine " + c);
            }
            for (double th = 0.2; th <= 0.61; th += 0.1) {
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        assertEquals(cosine(a[i], a[j]) >= th, cosine(b[i], b[j]) >= th, "pair " + i + ", " + j + " at " + th);
                    }
                }
            }
        }
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
