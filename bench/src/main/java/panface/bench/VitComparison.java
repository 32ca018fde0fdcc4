package panface.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import panface.nn.InferencePlan;
import panface.nn.io.WeightFiles;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * panface's side of compare-vit.sh: vit_t (weights exported from PyTorch) in evaluation mode at
 * batch 1 and 32, after checking its embeddings against PyTorch's on the exported check inputs,
 * and one training step (batch 32, ArcFace head over 10,000 classes, AdamW; the best of 5 after 3). JSON lines.
 */
public final class VitComparison {
    /**
     * The training step's warm-up and timed steps, the same in vit_torch.py: the first steps pay for
     * touching fresh memory and compiling, which a training run of thousands of steps does once.
     */
    static final int TRAIN_WARMUP = 3;
    static final int TRAIN_REPS = 5;

    private VitComparison() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try (Scope s = Scope.open()) {
            FaceViT vit = new FaceViT(ViTConfig.named("vit_t").withoutRegularization());
            vit.loadStateDict(WeightFiles.stateDict(dir.resolve("vit_t.safetensors")), true);
            // as FaceEmbedder does: an inference plan (evaluation mode, weights packed for the GEMM kernel once)
            Map<String, Tensor> check = Safetensors.load(dir.resolve("check.safetensors"));
            InferencePlan plan = vit.compileInference(check.get("x"));
            try (var g = GradMode.noGrad()) {
                double err = plan.run(check.get("x")).sub(check.get("embedding")).abs().max().item();
                double scale = check.get("embedding").abs().max().item();
                if (!(err <= 1e-3 * scale)) {
                    throw new IllegalStateException("vit_t embeddings differ from PyTorch's by " + err + " (scale " + scale + ")");
                }
            }
            for (int b : new int[] {1, 32}) {
                Tensor x = Tensor.randn(new Generator(b), b, 3, 112, 112);
                double sec = Timing.bestSeconds(() -> {
                    try (Scope step = Scope.open()) {
                        plan.run(x);
                    }
                }, b == 1 ? 100 : 3, b == 1 ? 50 : 5);
                Report.line("vit_t_infer_b" + b, sec, String.format(Locale.ROOT, "\"ms_per_image\":%.2f", 1e3 * sec / b));
            }
            plan.close();
            VitTrainingStep step = VitTrainingStep.of(vit);
            double sec = Timing.bestSeconds(step::run, TRAIN_WARMUP, TRAIN_REPS);
            Report.line("vit_t_train_step_b32", sec, "");
        }
    }
}
