package panface.examples.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import panface.nn.io.WeightFiles;
import panface.tensor.Scope;
import panface.tensor.Shape;
import panface.tensor.Tensor;

/** {@code inspect FILE}: the tensors of a safetensors or PyTorch file. */
public final class InspectCommand implements Command {
    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "list the tensors of a safetensors or PyTorch weights file";
    }

    @Override
    public String usage() {
        return """
                usage: panface inspect FILE
                  Lists every tensor (name, dtype, shape, elements) and the total number of parameters
                  of a safetensors file or a torch.save checkpoint (read in Java; the pickle reader
                  refuses anything but plain data and tensors). Exits non-zero on a corrupt or unsafe file.""";
    }

    @Override
    public int run(Args args) throws Exception {
        args.finish();
        if (args.positional().size() != 1) {
            throw new UsageException("expected one file");
        }
        Path file = Path.of(args.positional().get(0));
        try (Scope s = Scope.open()) {
            WeightFiles.Weights w = WeightFiles.read(file);
            long total = 0;
            int width = 4;
            for (String k : w.tensors().keySet()) {
                width = Math.max(width, k.length());
            }
            System.out.printf(Locale.ROOT, "%s (%s)%n", file, w.format() == WeightFiles.Format.SAFETENSORS ? "safetensors" : "PyTorch checkpoint");
            System.out.printf(Locale.ROOT, "%-" + width + "s  %-5s  %-20s  %s%n", "name", "dtype", "shape", "elements");
            for (Map.Entry<String, Tensor> e : w.tensors().entrySet()) {
                Tensor t = e.getValue();
                total += t.numel();
                System.out.printf(Locale.ROOT, "%-" + width + "s  %-5s  %-20s  %,d%n", e.getKey(), t.dtype(), Shape.toString(t.shape()), t.numel());
            }
            for (Map.Entry<String, Object> e : w.values().entrySet()) {
                System.out.printf(Locale.ROOT, "%-" + width + "s  value  %s%n", e.getKey(), e.getValue());
            }
            System.out.printf(Locale.ROOT, "%d tensors, %,d parameters in total%n", w.tensors().size(), total);
        }
        return 0;
    }
}
