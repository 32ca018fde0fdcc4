package panface.bench.compare;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import panface.bench.Report;
import panface.bench.Timing;
import panface.nn.InferencePlan;
import panface.nn.Module;
import panface.nn.models.Models;
import panface.nn.onnx.OnnxExport;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * compare-onnx-model.sh's Java side: one of our models (random weights, evaluation mode, prepared
 * for inference), the ONNX file we export from it loaded by our importer, and ONNX Runtime 1.29 on
 * that file, at batch 1 and 32. The three are timed in alternating rounds (best of each round; the
 * machine may be shared); the report gives each side's best round and the median per-round ratios
 * to the native model. JSON lines. Arguments: model name (Models.create), work folder, rounds, threads.
 */
public final class OnnxModelComparison {
    private OnnxModelComparison() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        Path dir = Files.createDirectories(Path.of(args[1]));
        int rounds = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        Path file = dir.resolve(name + ".onnx");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (Scope s = Scope.open()) {
            Module model = Models.create(name, 512, 7);
            model.eval();
            OnnxExport.write(model, file);
            try (InferencePlan plan = model.compileInference(Tensor.zeros(1, 3, 112, 112));
                    OnnxModel imported = OnnxModel.load(file); OrtSession ort = env.createSession(file.toString(), opts)) {
                int side = imported.inputShape()[2];
                InferencePlan importedPlan = imported.compileInference(Tensor.zeros(1, 3, side, side));
                for (int b : new int[] {1, 32}) {
                    Tensor x = Tensor.randn(new Generator(b), b, 3, side, side);
                    int warm = b == 1 ? 10 : 1;
                    int reps = b == 1 ? 10 : 2;
                    double[] ratioImported = new double[rounds];
                    double[] ratioOrt = new double[rounds];
                    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.contiguous().toFloatArray()), new long[] {b, 3, side, side})) {
                        for (int r = 0; r < rounds; r++) {
                            int w = r == 0 ? warm : 1;
                            double n = Timing.bestSeconds(() -> forward(plan::run, x), w, reps);
                            double i = Timing.bestSeconds(() -> forward(importedPlan::run, x), w, reps);
                            double o = Timing.bestSeconds(() -> runOrt(ort, t), w, reps);
                            ratioImported[r] = i / n;
                            ratioOrt[r] = o / n;
                            best[0] = Math.min(best[0], n);
                            best[1] = Math.min(best[1], i);
                            best[2] = Math.min(best[2], o);
                        }
                    }
                    Arrays.sort(ratioImported);
                    Arrays.sort(ratioOrt);
                    Report.line(name + "_native_b" + b, best[0], "");
                    Report.line(name + "_onnx_import_b" + b, best[1], String.format(Locale.ROOT, "\"median_ratio_to_native\":%.3f",
                            ratioImported[rounds / 2]));
                    Report.line(name + "_ort_b" + b, best[2], String.format(Locale.ROOT, "\"median_ratio_to_native\":%.3f", ratioOrt[rounds / 2]));
                }
            }
        }
    }

    private static void forward(java.util.function.UnaryOperator<Tensor> m, Tensor x) {
        try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
            m.apply(x);
        }
    }

    private static void runOrt(OrtSession ort, OnnxTensor x) {
        try (OrtSession.Result out = ort.run(Map.of("input", x))) {
            if (out.size() != 1) {
                throw new IllegalStateException("unexpected outputs");
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
