package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.InputFormat;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * FaceEmbedder runs ONNX files: input size and embedding size from the graph, insightface's input
 * format by default, other channel orders on request; embeddings are PyTorch's, L2-normalised.
 * Tolerance: 1e-4 relative, as OnnxPyTorchTest (normalising a vector changes the error by no more than its norm).
 */
class OnnxFaceEmbedderTest {
    private static float[] normalized(float[] v, int row, int d) {
        double n = 0;
        for (int i = 0; i < d; i++) {
            n += (double) v[row * d + i] * v[row * d + i];
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            out[i] = (float) (v[row * d + i] / Math.sqrt(n));
        }
        return out;
    }

    @Test
    void embedsAsPyTorch() throws Exception {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> io = Safetensors.load(OnnxPyTorchTest.resource("vit_io.safetensors"));
            float[] x = io.get("input.x").toFloatArray();
            float[] want = io.get("output.embedding").toFloatArray();
            int b = io.get("input.x").size(0);
            int per = x.length / b;
            int d = want.length / b;
            try (FaceEmbedder e = FaceEmbedder.load("onnx", OnnxPyTorchTest.resource("vit_op17_dyn.onnx"), 512, false, 2)) {
                assertEquals(d, e.dimension());
                assertEquals(InputFormat.insightface(36), e.inputFormat());
                List<float[]> inputs = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    inputs.add(java.util.Arrays.copyOfRange(x, i * per, (i + 1) * per));
                }
                float[][] got = e.embedInputs(inputs);
                for (int i = 0; i < b; i++) {
                    assertTrue(OnnxPyTorchTest.maxRel(got[i], normalized(want, i, d)) <= 1e-4, "image " + i);
                    float[] raw = inputs.get(i).clone();
                    for (int k = 0; k < raw.length; k++) {
                        raw[k] = raw[k] * 127.5f + 127.5f;
                    }
                    assertTrue(OnnxPyTorchTest.maxRel(e.embedRgb(raw), normalized(want, i, d)) <= 1e-4, "raw pixels of image " + i);
                }
            }
            try (FaceEmbedder e = FaceEmbedder.loadOnnx(OnnxPyTorchTest.resource("vit_op13.onnx"), new InputFormat(36, true, 127.5f, 127.5f),
                    false, 8)) {
                int plane = per / 3;
                float[] swapped = new float[per];
                for (int k = 0; k < plane; k++) {
                    swapped[k] = x[2 * plane + k] * 127.5f + 127.5f;
                    swapped[plane + k] = x[plane + k] * 127.5f + 127.5f;
                    swapped[2 * plane + k] = x[k] * 127.5f + 127.5f;
                }
                assertTrue(OnnxPyTorchTest.maxRel(e.embedRgb(swapped), normalized(want, 0, d)) <= 1e-4, "BGR model input");
            }
        }
    }
}
