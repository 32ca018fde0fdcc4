package panface.examples.cli;

import java.nio.file.Path;
import java.util.Map;

import panface.nn.Module;
import panface.nn.io.WeightFiles;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.nn.models.Models;
import panface.nn.onnx.OnnxExport;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** {@code export --model W --arch A OUT.onnx}: writes a backbone as ONNX and checks the file by loading it back. */
public final class ExportCommand implements Command {
    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "write a backbone as an ONNX file (dynamic batch) for other runtimes";
    }

    @Override
    public String usage() {
        return """
                usage: panface export --model WEIGHTS --arch ARCH [--features N] [--heads H] OUT.onnx
                  WEIGHTS  a safetensors or PyTorch file with the backbone's state dict
                  ARCH     vit_t, vit_s, vit_b, vit_l, vit_h, r18, r34, r50, r100, r200, mbf, mbf_large, mbf_qud,
                           part_fvit (or lafs): LAFS's Part fViT from a lafs finetune save, a lafs pretrain
                           epoch file (its teacher) or the reference's checkpoint; width, depth, MLP and
                           patch count come from the weights, the landmark CNN when the weights have one
                           (then the input is the 112-pixel image, else the patch tokens)
                  --features  embedding size (default 512; Part fViT's is its width)
                  --heads     Part fViT's attention heads (default 11, the reference's; head width = inner / heads)
                  Writes opset 17 with input "input" (N, 3, S, S) and output "embedding" (N, E), the batch
                  axis dynamic, then loads the file back with panface's ONNX importer as a check.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, 4096);
        int heads = args.getInt("heads", PartFViT.Config.lafs(true).heads(), 1, 1024);
        args.finish();
        if (model == null || arch == null || args.positional().size() != 1) {
            throw new UsageException("--model, --arch and one output file are required");
        }
        Path out = Path.of(args.positional().get(0));
        try (Scope s = Scope.open()) {
            Module m;
            if (arch.equals("part_fvit") || arch.equals("lafs")) {
                m = partFViT(Path.of(model), heads);
            } else {
                m = Models.create(arch, features, 0);
                m.loadStateDict(WeightFiles.stateDict(Path.of(model)), true);
            }
            m.eval();
            OnnxExport.write(m, out);
            try (OnnxModel back = OnnxModel.load(out)) {
                System.out.println(out + ": opset " + back.opset() + ", input " + back.inputNames().get(0) + " "
                        + java.util.Arrays.toString(back.inputShape()).replace("-1", "batch") + ", " + back.stepOperators().size()
                        + " steps after import");
            }
        }
        return 0;
    }

    /**
     * Part fViT with the shape of its weights: the network under "teacher." (a pretraining file) or
     * "model." (a fine-tuning save) when the file has one, else the whole file, read as
     * {@link LafsCheckpoints#network}.
     */
    static PartFViT partFViT(Path file, int heads) throws Exception {
        Map<String, Tensor> all = LafsCheckpoints.network(file, "");
        String entry = all.keySet().stream().anyMatch(k -> k.startsWith("teacher.")) ? "teacher"
                : all.keySet().stream().anyMatch(k -> k.startsWith("model.")) ? "model" : "";
        Map<String, Tensor> state = entry.isEmpty() ? all : LafsCheckpoints.network(file, entry);
        Tensor pos = state.get("pos_embedding");
        Tensor embed = state.get("patch_to_embedding.weight");
        Tensor qkv = state.get("transformer.layers.0.0.fn.fn.to_qkv.weight");
        Tensor fc1 = state.get("transformer.layers.0.1.fn.fn.net.0.weight");
        if (pos == null || embed == null || qkv == null || fc1 == null) {
            throw new UsageException(file + " holds no Part fViT (pos_embedding, patch_to_embedding, transformer.layers.0 missing)");
        }
        int depth = 0;
        while (state.containsKey("transformer.layers." + depth + ".0.fn.norm.weight")) {
            depth++;
        }
        int inner = qkv.size(0) / 3;
        int patch = (int) Math.round(Math.sqrt(embed.size(1) / 3.0));
        if (inner % heads != 0 || 3 * patch * patch != embed.size(1)) {
            throw new UsageException("Part fViT: inner width " + inner + " is not a multiple of --heads " + heads
                    + " or the patch length " + embed.size(1) + " is not 3 P^2");
        }
        boolean landmarks = state.containsKey("output_layer.1.weight");
        PartFViT.Config lafs = PartFViT.Config.lafs(landmarks);
        PartFViT.Config c = new PartFViT.Config(pos.size(1) - 1, patch, pos.size(2), depth, heads, inner / heads, fc1.size(0),
                lafs.dropout(), lafs.embDropout(), lafs.dropPath(), landmarks);
        Generator gen = new Generator(0);
        PartFViT model = new PartFViT(c, landmarks ? new LandmarkCnn(c.numPatches(), gen) : null, gen);
        LafsCheckpoints.loadBackbone(model, state);
        return model;
    }
}
