package panface.tensor.golden;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.io.Json;
import panface.tensor.io.Safetensors;

/**
 * A folder of golden cases held to limits: runs it through a {@link GoldenRunner} and lists every
 * check ("output.y", "grad.param.w", ...) whose max_rel is over the limit given for it, and every
 * case that did not run. The tests of each module call this with their own limits.
 */
public final class GoldenCheck {
    private GoldenCheck() {
    }

    /** The largest max_rel a check of a case may have. */
    @FunctionalInterface
    public interface Limit {
        double of(String caseName, String check) throws IOException;
    }

    /** The run's counts, and one line per check over its limit or case that did not run (its report). */
    public record Verdict(GoldenRunner.Summary summary, List<String> failures) {
    }

    @SuppressWarnings("unchecked")
    public static Verdict run(GoldenRunner runner, Path dir, Limit limit) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GoldenRunner.Summary s = runner.run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> failures = new ArrayList<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            Map<String, Object> r = Json.parseObject(line);
            if (r.containsKey("summary")) {
                continue;
            }
            if (!"ok".equals(r.get("status"))) {
                failures.add(line);
                continue;
            }
            String name = (String) r.get("case");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("checks")).entrySet()) {
                double rel = ((Number) ((Map<String, Object>) e.getValue()).get("max_rel")).doubleValue();
                double allowed = limit.of(name, e.getKey());
                if (!(rel <= allowed)) {
                    failures.add(name + " " + e.getKey() + " max_rel " + rel + " > " + allowed);
                }
            }
        }
        return new Verdict(s, failures);
    }

    /**
     * PyTorch's own float32 max_rel per tensor of a case, as its generator recorded it (metadata
     * {@code torch_f32_max_rel}); empty when the case records none.
     */
    public static Map<String, Double> torchF32MaxRel(Path caseFile) throws IOException {
        try (Safetensors.Reader r = Safetensors.open(caseFile)) {
            String m = r.metadata().get("torch_f32_max_rel");
            Map<String, Double> out = new LinkedHashMap<>();
            if (m != null) {
                Json.parseObject(m).forEach((k, v) -> out.put(k, ((Number) v).doubleValue()));
            }
            return out;
        }
    }

    /** The largest of PyTorch's float32 errors over the tensors whose names start with prefix ("output." or "grad."). */
    public static double worst(Map<String, Double> torchF32, String prefix) {
        double w = 0;
        for (Map.Entry<String, Double> e : torchF32.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                w = Math.max(w, e.getValue());
            }
        }
        return w;
    }

    /** The kind of a check, its name up to and including the first dot ("output." or "grad."). */
    public static String kind(String check) {
        return check.substring(0, check.indexOf('.') + 1);
    }
}
