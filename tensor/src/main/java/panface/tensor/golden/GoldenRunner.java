package panface.tensor.golden;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Json;

/**
 * Runs every golden case of a folder and reports, one JSON object per line, how far our results
 * are from the reference: {@code max_abs} and {@code max_rel} = max|got - want| / max(max|want|,
 * 1e-12) per expected output and gradient, then a summary line. It judges nothing itself.
 */
public final class GoldenRunner {
    private final DType dtype;
    private final Device device;
    private final Map<String, GoldenOp> ops;

    /** A runner in a dtype (F64 or F32) on a device, with every op registered through {@link GoldenOps}. */
    public GoldenRunner(DType dtype, Device device) {
        this(dtype, device, discover());
    }

    /** A runner with an explicit op table. */
    public GoldenRunner(DType dtype, Device device, Map<String, GoldenOp> ops) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("golden runs need a floating dtype, got " + dtype);
        }
        this.dtype = dtype;
        this.device = device;
        this.ops = Map.copyOf(ops);
    }

    /** Every op registered with ServiceLoader. */
    public static Map<String, GoldenOp> discover() {
        Map<String, GoldenOp> all = new HashMap<>();
        for (GoldenOps provider : ServiceLoader.load(GoldenOps.class)) {
            all.putAll(provider.ops());
        }
        return all;
    }

    /** Counts of a run. */
    public record Summary(int cases, int ok, int unsupported, int error) {
    }

    /** Runs all *.safetensors files of a folder (sorted by name), printing each report line and the summary. */
    public Summary run(Path dir, PrintStream out) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder of golden cases");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        int ok = 0;
        int unsupported = 0;
        int error = 0;
        for (Path f : files) {
            Map<String, Object> r = runCase(f);
            out.println(Json.write(r));
            switch ((String) r.get("status")) {
                case "ok" -> ok++;
                case "unsupported" -> unsupported++;
                default -> error++;
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("summary", true);
        summary.put("cases", files.size());
        summary.put("ok", ok);
        summary.put("unsupported", unsupported);
        summary.put("error", error);
        out.println(Json.write(summary));
        return new Summary(files.size(), ok, unsupported, error);
    }

    /** Runs one case file and returns its report object. */
    public Map<String, Object> runCase(Path file) {
        Map<String, Object> r = new LinkedHashMap<>();
        String fn = file.getFileName().toString();
        r.put("case", fn.endsWith(".safetensors") ? fn.substring(0, fn.length() - 12) : fn);
        r.put("op", "?");
        try (Scope scope = Scope.open()) {
            GoldenCase c = GoldenCase.read(file);
            r.put("op", c.op());
            GoldenOp op = ops.get(c.op());
            if (op == null) {
                r.put("status", "unsupported");
                r.put("dtype", dtype.name());
                return r;
            }
            Map<String, Object> checks = execute(c, op);
            r.put("status", "ok");
            r.put("dtype", dtype.name());
            r.put("checks", checks);
        } catch (UnsupportedGoldenCase e) {
            r.put("status", "unsupported");
            r.put("dtype", dtype.name());
            r.put("message", e.getMessage());
        } catch (Exception | AssertionError | StackOverflowError e) {
            r.put("status", "error");
            r.put("dtype", dtype.name());
            r.put("message", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return r;
    }

    private Map<String, Object> execute(GoldenCase c, GoldenOp op) {
        Map<String, Tensor> leaves = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            String n = e.getKey();
            if (!(n.startsWith("input.") || n.startsWith("param.") || n.startsWith("buffer."))) {
                continue;
            }
            Tensor t = e.getValue();
            Tensor prepared = (t.dtype().isFloating() ? t.to(dtype) : t).to(device).detach().copy();
            String suffix = n.substring(n.indexOf('.') + 1);
            if (!n.startsWith("buffer.") && c.tensors().containsKey("grad." + suffix) && prepared.dtype().isFloating()) {
                prepared.requiresGrad(true);
            }
            leaves.put(n, prepared);
        }
        Map<String, Tensor> results = new LinkedHashMap<>(op.run(c, leaves));
        List<String> grads = c.names("grad.");
        if (!grads.isEmpty()) {
            Tensor loss = null;
            for (String o : c.names("output.")) {
                Tensor got = results.get(o);
                if (got == null || !got.requiresGrad()) {
                    continue;
                }
                Tensor up = c.tensors().get("upstream." + o.substring(7));
                Tensor term;
                if (up != null) {
                    term = got.mul(up.to(got.dtype()).to(device)).sum();
                } else if (got.numel() == 1) {
                    term = got.sum();
                } else {
                    continue;
                }
                loss = loss == null ? term : loss.add(term);
            }
            if (loss != null) {
                loss.backward();
            }
            for (String g : grads) {
                String suffix = g.substring(5);
                Tensor leaf = leaves.containsKey("input." + suffix) ? leaves.get("input." + suffix) : leaves.get("param." + suffix);
                if (results.containsKey(g)) {
                    continue;
                }
                if (leaf == null) {
                    throw new IllegalArgumentException("case expects " + g + " but has no input or param '" + suffix + "'");
                }
                results.put(g, leaf.grad() != null ? leaf.grad() : Tensor.zerosLike(leaf));
            }
        }
        Map<String, Object> checks = new LinkedHashMap<>();
        try (var off = GradMode.noGrad()) {
            for (String name : c.tensors().keySet()) {
                if (!name.startsWith("output.") && !name.startsWith("grad.")) {
                    continue;
                }
                Tensor got = results.get(name);
                if (got == null) {
                    throw new IllegalStateException("the op produced no " + name);
                }
                checks.put(name, compare(c.tensors().get(name), got, name));
            }
        }
        return checks;
    }

    private static Map<String, Object> compare(Tensor want, Tensor got, String name) {
        if (!java.util.Arrays.equals(want.shape(), got.shape())) {
            throw new IllegalStateException(name + ": shape " + java.util.Arrays.toString(got.shape()) + " differs from the expected "
                    + java.util.Arrays.toString(want.shape()));
        }
        double[] w = want.toDoubleArray();
        double[] g = got.detach().to(Device.CPU).toDoubleArray();
        double maxAbs = 0;
        double maxWant = 0;
        for (int i = 0; i < w.length; i++) {
            double d = Math.abs(g[i] - w[i]);
            if (Double.isNaN(d)) {
                d = (Double.isNaN(g[i]) && Double.isNaN(w[i])) || g[i] == w[i] ? 0 : Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, d);
            maxWant = Math.max(maxWant, Math.abs(w[i]));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_abs", maxAbs);
        m.put("max_rel", maxAbs / Math.max(maxWant, 1e-12));
        return m;
    }

    /** Thrown by an op for argument combinations it does not support (reported as unsupported). */
    public static final class UnsupportedGoldenCase extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UnsupportedGoldenCase(String message) {
            super(message);
        }
    }

    /** Names of the ops this runner knows, sorted. */
    public List<String> knownOps() {
        List<String> l = new ArrayList<>(ops.keySet());
        l.sort(null);
        return l;
    }
}
