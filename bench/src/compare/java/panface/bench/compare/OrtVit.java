package panface.bench.compare;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import panface.bench.Report;
import panface.bench.Timing;

/** ONNX Runtime (Java API) running the exported vit_t at batch 1 and 32 with a thread count; JSON lines. */
public final class OrtVit {
    private OrtVit() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(dir.resolve("vit_t.onnx").toString(), opts)) {
            for (int b : new int[] {1, 32}) {
                float[] data = new float[b * 3 * 112 * 112];
                java.util.Random r = new java.util.Random(b);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) r.nextGaussian();
                }
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {b, 3, 112, 112})) {
                    double sec = Timing.bestSeconds(() -> {
                        try (OrtSession.Result out = session.run(Map.of("x", x))) {
                            if (out.size() != 1) {
                                throw new IllegalStateException("unexpected outputs");
                            }
                        } catch (ai.onnxruntime.OrtException e) {
                            throw new IllegalStateException(e);
                        }
                    }, b == 1 ? 100 : 3, b == 1 ? 50 : 5);
                    Report.line("vit_t_infer_b" + b, sec, String.format(Locale.ROOT, "\"ms_per_image\":%.2f", 1e3 * sec / b));
                }
            }
        }
    }
}
