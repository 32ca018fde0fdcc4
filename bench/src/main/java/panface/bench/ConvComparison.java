package panface.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.io.WeightFiles;
import panface.nn.models.Models;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * panface's side of compare-conv.sh, one round: r50, r100 and mbf (weights exported from
 * PyTorch) in evaluation mode at batch 1 and 32, after checking each one's embeddings against
 * PyTorch's on the exported check inputs, and one r50 training step (batch 32, Partial FC over
 * 10,000 classes at sample rate 0.1, ArcFace s=64 m=0.5, SGD with momentum 0.9 and weight decay
 * 5e-4), as conv_torch.py. JSON lines with the best and the median of the repetitions. A second
 * argument "infer" or "train" runs only that part.
 */
public final class ConvComparison {
    private ConvComparison() {
    }

    static final String[] MODELS = {"r50", "r100", "mbf"};

    /** A model built as conv_torch.py builds it, with the exported weights, checked against PyTorch's embeddings. */
    static Module load(Path dir, String name) throws java.io.IOException {
        Module m = Models.create(name, 512, 0);
        m.loadStateDict(WeightFiles.stateDict(dir.resolve(name + ".safetensors")), true);
        m.train(false);
        Map<String, Tensor> check = Safetensors.load(dir.resolve(name + "_check.safetensors"));
        try (Scope s = Scope.open(); InferencePlan plan = m.compileInference(check.get("x"))) {
            double err = plan.run(check.get("x")).sub(check.get("embedding")).abs().max().item();
            double scale = check.get("embedding").abs().max().item();
            if (!(err <= 1e-3 * scale)) {
                throw new IllegalStateException(name + " embeddings differ from PyTorch's by " + err + " (scale " + scale + ")");
            }
        }
        return m;
    }

    /** One JSON line with the best and the median of the sorted seconds. */
    static void line(String name, double[] t, int batch) {
        Report.line(name, t[0], String.format(Locale.ROOT, "\"median\":%.9f%s", t[t.length / 2],
                batch > 0 ? String.format(Locale.ROOT, ",\"ms_per_image\":%.2f", 1e3 * t[0] / batch) : ""));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String only = args.length > 1 ? args[1] : "";
        try (Scope s = Scope.open()) {
            for (String name : only.equals("train") ? new String[0] : MODELS) {
                try (Scope model = Scope.open()) {
                    InferencePlan m = load(dir, name).compileInference(Tensor.zeros(1, 3, 112, 112));
                    for (int b : new int[] {1, 32}) {
                        Tensor x = Tensor.randn(new Generator(b), b, 3, 112, 112);
                        double[] t = Timing.sortedSeconds(() -> {
                            try (Scope step = Scope.open()) {
                                m.run(x);
                            }
                        }, b == 1 ? 20 : 1, b == 1 ? 20 : 3);
                        line(name + "_infer_b" + b, t, b);
                    }
                    m.close();
                }
            }
            if (only.equals("infer")) {
                return;
            }
            Module r50 = Models.create("r50", 512, 0);
            r50.loadStateDict(WeightFiles.stateDict(dir.resolve("r50.safetensors")), true);
            r50.train(true);
            PartialFC head = new PartialFC(10_000, 512, 0.1, Margin.arcFace(64, 0.5), new Generator(3));
            SGD opt = new SGD(List.of(ParamGroup.of(r50.parameters(), 5e-4), ParamGroup.of(head.parameters(), 5e-4)), 0.1, 0.9);
            Tensor x = Tensor.randn(new Generator(4), 32, 3, 112, 112);
            long[] labels = new long[32];
            Generator lg = new Generator(5);
            for (int i = 0; i < 32; i++) {
                labels[i] = lg.nextInt(10_000);
            }
            Tensor y = Tensor.of(labels, 32);
            double[] t = Timing.sortedSeconds(() -> {
                try (Scope step = Scope.open()) {
                    opt.zeroGrad();
                    head.loss(((Layer) r50).forward(x), y).backward();
                    opt.step();
                }
            }, 1, 3);
            line("r50_train_step_b32", t, 0);
        }
    }
}
