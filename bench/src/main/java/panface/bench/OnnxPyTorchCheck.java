package panface.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import panface.nn.InferencePlan;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * check-onnx-pytorch.sh's Java side: every {@code MODEL_op*.onnx} file in a folder, loaded by our
 * importer and prepared for inference, against PyTorch's embeddings in {@code MODEL_io.safetensors}
 * (batch 3, and batch 1 for the dynamic files). One JSON line per file; exits with status 1 when a
 * maximum relative error exceeds {@link #MAX_REL}.
 */
public final class OnnxPyTorchCheck {
    /** The bar: float32 sums in another order and folded BatchNorm stay far below it. */
    static final double MAX_REL = 1e-4;

    private OnnxPyTorchCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String model = args[1];
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches(model + "_op\\d+(_dyn)?\\.onnx")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no " + model + "_op*.onnx in " + dir);
        }
        boolean ok = true;
        try (Scope s = Scope.open()) {
            Map<String, Tensor> io = Safetensors.load(dir.resolve(model + "_io.safetensors"));
            for (Path f : files) {
                boolean dynamic = f.getFileName().toString().contains("_dyn");
                try (Scope one = Scope.open(); OnnxModel m = OnnxModel.load(f); InferencePlan plan = m.compileInference(io.get("input.x"))) {
                    double rel3 = maxRel(plan.run(io.get("input.x")), io.get("output.embedding"));
                    double rel1 = dynamic ? maxRel(plan.run(io.get("input.x1")), io.get("output.embedding1")) : 0;
                    boolean pass = rel3 <= MAX_REL && rel1 <= MAX_REL;
                    ok &= pass;
                    System.out.printf(Locale.ROOT, "{\"file\":\"%s\",\"max_rel_b3\":%.3g%s,\"pass\":%b}%n", f.getFileName(), rel3,
                            dynamic ? String.format(Locale.ROOT, ",\"max_rel_b1\":%.3g", rel1) : "", pass);
                }
            }
        }
        if (!ok) {
            System.exit(1);
        }
    }

    /** Errors.maxRel over the whole batch; infinite when the shapes differ. */
    static double maxRel(Tensor got, Tensor want) {
        if (!java.util.Arrays.equals(got.shape(), want.shape())) {
            return Double.POSITIVE_INFINITY;
        }
        return Errors.maxRel(want.contiguous().toFloatArray(), got.contiguous().toFloatArray());
    }
}
