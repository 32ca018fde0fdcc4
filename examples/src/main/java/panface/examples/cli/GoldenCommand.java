package panface.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.golden.GoldenRunner;

/** {@code golden DIR [--dtype F32|F64] [--device cpu|cuda]}: runs golden cases and prints the report. */
public final class GoldenCommand implements Command {
    @Override
    public String name() {
        return "golden";
    }

    @Override
    public String summary() {
        return "run a folder of golden cases and print the comparison report";
    }

    @Override
    public String usage() {
        return """
                usage: panface golden DIR [--dtype F32|F64] [--device cpu|cuda]
                  Runs every *.safetensors golden case in DIR and prints one JSON line per case
                  (max_abs and max_rel per output and gradient) and a summary line.
                  --dtype   the precision to run in (default F64); results are compared to the float64 truth
                  --device  where to run (default cpu)
                  Exit code 1 when any case fails to run (status "error"); unsupported cases are reported, not failed.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String dt = args.get("dtype", "F64").toUpperCase(Locale.ROOT);
        DType dtype;
        try {
            dtype = DType.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dtype must be F32 or F64, got '" + dt + "'");
        }
        if (dtype != DType.F32 && dtype != DType.F64) {
            throw new UsageException("--dtype must be F32 or F64, got '" + dt + "'");
        }
        Device device;
        try {
            device = Device.parse(args.get("device", "cpu"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        args.finish();
        if (args.positional().size() != 1) {
            throw new UsageException("expected one folder of golden cases");
        }
        Path dir = Path.of(args.positional().get(0));
        if (!Files.isDirectory(dir)) {
            System.err.println("panface golden: " + dir + " is not a folder");
            return 1;
        }
        GoldenRunner.Summary summary = new GoldenRunner(dtype, device).run(dir, System.out);
        if (summary.error() > 0) {
            System.err.println("panface golden: " + summary.error() + " of " + summary.cases() + " cases failed");
            return 1;
        }
        return 0;
    }
}
