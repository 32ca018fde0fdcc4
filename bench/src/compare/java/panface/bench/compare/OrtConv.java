package panface.bench.compare;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import panface.bench.Report;
import panface.bench.Timing;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * ONNX Runtime (Java API) running the exported r50, r100 and mbf at batch 1 and 32 with a thread
 * count, after checking each one's embeddings against PyTorch's on the exported check inputs; one
 * round, JSON lines with the best and the median.
 */
public final class OrtConv {
    private OrtConv() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        for (String name : new String[] {"r50", "r100", "mbf"}) {
            try (OrtSession session = env.createSession(dir.resolve(name + ".onnx").toString(), opts)) {
                check(env, session, dir, name);
                for (int b : new int[] {1, 32}) {
                    float[] data = new float[b * 3 * 112 * 112];
                    java.util.Random r = new java.util.Random(b);
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (float) r.nextGaussian();
                    }
                    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {b, 3, 112, 112})) {
                        double[] t = Timing.sortedSeconds(() -> {
                            try (OrtSession.Result out = session.run(Map.of("x", x))) {
                                if (out.size() != 1) {
                                    throw new IllegalStateException("unexpected outputs");
                                }
                            } catch (OrtException e) {
                                throw new IllegalStateException(e);
                            }
                        }, b == 1 ? 20 : 1, b == 1 ? 20 : 3);
                        Report.line(name + "_infer_b" + b, t[0], String.format(Locale.ROOT, "\"median\":%.9f,\"ms_per_image\":%.2f",
                                t[t.length / 2], 1e3 * t[0] / b));
                    }
                }
            }
        }
    }

    private static void check(OrtEnvironment env, OrtSession session, Path dir, String name) throws Exception {
        Map<String, Tensor> c = Safetensors.load(dir.resolve(name + "_check.safetensors"));
        float[] want = c.get("embedding").toFloatArray();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(c.get("x").toFloatArray()), new long[] {2, 3, 112, 112});
             OrtSession.Result out = session.run(Map.of("x", x))) {
            float[][] got = (float[][]) out.get(0).getValue();
            double err = 0;
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                err = Math.max(err, Math.abs(got[i / got[0].length][i % got[0].length] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            if (!(err <= 1e-3 * scale)) {
                throw new IllegalStateException(name + ": ONNX Runtime differs from PyTorch's embeddings by " + err + " (scale " + scale + ")");
            }
        }
    }
}
