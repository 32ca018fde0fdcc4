package panface.examples.cli;

import java.nio.file.Path;

import panface.nn.Module;
import panface.nn.io.WeightFiles;
import panface.nn.models.Models;
import panface.nn.onnx.OnnxExport;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;

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
                usage: panface export --model WEIGHTS --arch ARCH [--features N] OUT.onnx
                  WEIGHTS  a safetensors or PyTorch file with the backbone's state dict
                  ARCH     vit_t, vit_s, vit_b, vit_l, vit_h, r18, r34, r50, r100, r200
                  --features  embedding size (default 512)
                  Writes opset 17 with input "input" (N, 3, S, S) and output "embedding" (N, E), the batch
                  axis dynamic, then loads the file back with panface's ONNX importer as a check.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, 4096);
        args.finish();
        if (model == null || arch == null || args.positional().size() != 1) {
            throw new UsageException("--model, --arch and one output file are required");
        }
        Path out = Path.of(args.positional().get(0));
        try (Scope s = Scope.open()) {
            Module m = Models.create(arch, features, 0);
            m.loadStateDict(WeightFiles.stateDict(Path.of(model)), true);
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
}
