package panface.bench.compare;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import panface.nn.InferencePlan;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * A published face recognition model in ONNX Runtime and in our importer on real face crops: per
 * crop the cosine of the two embeddings, and for every pair of crops the same/different decision
 * (cosine at or above a threshold) under each runtime, at thresholds 0.2 to 0.6. One JSON line per
 * measure; exit status 1 when a cosine is below 0.9999 or a decision differs. Writes ONNX Runtime's
 * embeddings ("embedding", (N, E)) next to the crops for the importer's test.
 * Arguments: model.onnx crops.safetensors (x: (N, 3, S, S) RGB 0..255) mean std out.safetensors.
 */
public final class OrtFaceModelCheck {
    private static final double MIN_COSINE = 0.9999;

    private OrtFaceModelCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        double mean = Double.parseDouble(args[2]);
        double std = Double.parseDouble(args[3]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Scope s = Scope.open(); var g = GradMode.noGrad(); OnnxModel ours = OnnxModel.load(model);
                OrtSession ort = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            Tensor x = Safetensors.load(Path.of(args[1])).get("x").sub(mean).div(std).contiguous();
            InferencePlan plan = ours.compileInference(x.narrow(0, 0, 1).contiguous());
            int n = x.size(0);
            String input = ort.getInputNames().iterator().next();
            float[][] a = new float[n][];
            float[][] b = new float[n][];
            for (int i = 0; i < n; i++) {
                Tensor xi = x.narrow(0, i, 1).contiguous();
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(xi.toFloatArray()), toLong(xi.shape()));
                        OrtSession.Result r = ort.run(Map.of(input, t))) {
                    a[i] = flatten(r.get(0).getValue());
                }
                b[i] = plan.run(xi).contiguous().toFloatArray();
            }
            boolean ok = true;
            double minCos = 1;
            for (int i = 0; i < n; i++) {
                minCos = Math.min(minCos, cosine(a[i], b[i]));
            }
            ok &= minCos >= MIN_COSINE;
            System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"crops\":%d,\"embedding\":%d,\"min_cosine_ort_vs_ours\":%.9f,\"one_minus_min_cosine\":%.2e}%n",
                    model.getFileName(), n, a[0].length, minCos, 1 - minCos);
            for (double th : new double[] {0.2, 0.3, 0.4, 0.5, 0.6}) {
                int same = 0;
                int differ = 0;
                int pairs = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        boolean sa = cosine(a[i], a[j]) >= th;
                        boolean sb = cosine(b[i], b[j]) >= th;
                        same += sa ? 1 : 0;
                        differ += sa != sb ? 1 : 0;
                        pairs++;
                    }
                }
                ok &= differ == 0;
                System.out.printf(Locale.ROOT, "{\"threshold\":%.1f,\"pairs\":%d,\"same_by_ort\":%d,\"decisions_differing\":%d}%n", th, pairs,
                        same, differ);
            }
            float[] flat = new float[n * a[0].length];
            for (int i = 0; i < n; i++) {
                System.arraycopy(a[i], 0, flat, i * a[0].length, a[0].length);
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("embedding", Tensor.of(flat, n, a[0].length));
            Safetensors.save(Path.of(args[4]), out, Map.of("producer", "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion()));
            if (!ok) {
                System.exit(1);
            }
        }
    }

    private static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            l[i] = s[i];
        }
        return l;
    }

    private static float[] flatten(Object v) {
        if (v instanceof float[] f) {
            return f;
        }
        if (v instanceof float[][] f) {
            return f[0];
        }
        throw new IllegalStateException("unexpected output " + v.getClass());
    }

    static double cosine(float[] a, float[] b) {
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
