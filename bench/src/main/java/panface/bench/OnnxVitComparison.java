package panface.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.nn.InferencePlan;
import panface.nn.io.WeightFiles;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * compare-onnx-vit.sh's Java side: the same vit_t weights run as our FaceViT and as the ONNX file
 * PyTorch exported, both prepared for inference, at batch 1 and 32. Both are checked against
 * PyTorch's embeddings first. The machine may be shared, so the two are timed in alternating
 * rounds (best of each round) and the report gives each side's best round and the median of the
 * per-round ratios. JSON lines.
 */
public final class OnnxVitComparison {
    private OnnxVitComparison() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        try (Scope s = Scope.open(); OnnxModel imported = OnnxModel.load(dir.resolve("vit_t.onnx"))) {
            FaceViT vit = new FaceViT(ViTConfig.named("vit_t").withoutRegularization());
            vit.loadStateDict(WeightFiles.stateDict(dir.resolve("vit_t.safetensors")), true);
            InferencePlan plan = vit.compileInference(Tensor.zeros(1, 3, 112, 112));
            InferencePlan importedPlan = imported.compileInference(Tensor.zeros(1, 3, 112, 112));
            Map<String, Tensor> check = Safetensors.load(dir.resolve("check.safetensors"));
            check("native", plan::run, check);
            check("imported", importedPlan::run, check);
            for (int b : new int[] {1, 32}) {
                Tensor x = Tensor.randn(new Generator(b), b, 3, 112, 112);
                int warm = b == 1 ? 30 : 2;
                int reps = b == 1 ? 15 : 2;
                double[] ratio = new double[rounds];
                double bestNative = Double.MAX_VALUE;
                double bestImported = Double.MAX_VALUE;
                for (int r = 0; r < rounds; r++) {
                    double n = Timing.bestSeconds(() -> forward(plan::run, x), r == 0 ? warm : 1, reps);
                    double i = Timing.bestSeconds(() -> forward(importedPlan::run, x), r == 0 ? warm : 1, reps);
                    ratio[r] = i / n;
                    bestNative = Math.min(bestNative, n);
                    bestImported = Math.min(bestImported, i);
                }
                Arrays.sort(ratio);
                Report.line("vit_t_native_b" + b, bestNative, "");
                Report.line("vit_t_onnx_import_b" + b, bestImported, String.format(Locale.ROOT, "\"median_ratio_to_native\":%.3f",
                        ratio[rounds / 2]));
            }
        }
    }

    private static void forward(UnaryOperator<Tensor> m, Tensor x) {
        try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
            m.apply(x);
        }
    }

    private static void check(String what, UnaryOperator<Tensor> m, Map<String, Tensor> check) {
        try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
            double err = m.apply(check.get("x")).sub(check.get("embedding")).abs().max().item();
            double scale = check.get("embedding").abs().max().item();
            if (!(err <= 1e-3 * scale)) {
                throw new IllegalStateException(what + " vit_t embeddings differ from PyTorch's by " + err + " (scale " + scale + ")");
            }
        }
    }
}
