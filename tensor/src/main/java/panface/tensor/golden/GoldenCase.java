package panface.tensor.golden;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.Tensor;
import panface.tensor.io.Json;
import panface.tensor.io.Safetensors;

/**
 * One golden case: the op name, its arguments and the named tensors of a safetensors file, as
 * described by the golden-case schema ({@code input.}, {@code param.}, {@code buffer.},
 * {@code output.}, {@code upstream.}, {@code grad.}). Tensors are read into the current scope.
 */
public final class GoldenCase {
    private final String name;
    private final String op;
    private final Map<String, Object> args;
    private final Map<String, Tensor> tensors;

    private GoldenCase(String name, String op, Map<String, Object> args, Map<String, Tensor> tensors) {
        this.name = name;
        this.op = op;
        this.args = args;
        this.tensors = tensors;
    }

    /** Reads a case file; the case name is the file name without its extension. */
    public static GoldenCase read(Path file) throws IOException {
        String fn = file.getFileName().toString();
        String name = fn.endsWith(".safetensors") ? fn.substring(0, fn.length() - ".safetensors".length()) : fn;
        try (Safetensors.Reader r = Safetensors.open(file)) {
            String op = r.metadata().get("op");
            if (op == null) {
                throw new IOException(file + " has no 'op' in its __metadata__");
            }
            String a = r.metadata().getOrDefault("args", "{}");
            Map<String, Object> args = Json.parseObject(a);
            Map<String, Tensor> ts = new LinkedHashMap<>();
            for (String n : r.names()) {
                ts.put(n, r.tensor(n));
            }
            return new GoldenCase(name, op, Collections.unmodifiableMap(args), Collections.unmodifiableMap(ts));
        }
    }

    public String name() {
        return name;
    }

    public String op() {
        return op;
    }

    /** The case arguments (parsed JSON). */
    public Map<String, Object> args() {
        return args;
    }

    /** Every tensor of the case by its full name ("input.x", "grad.weight", ...). */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Full names starting with a prefix such as "output.", in file order. */
    public List<String> names(String prefix) {
        List<String> out = new ArrayList<>();
        for (String n : tensors.keySet()) {
            if (n.startsWith(prefix)) {
                out.add(n);
            }
        }
        return out;
    }

    // ---- argument helpers ------------------------------------------------------------------

    /** A number argument, or the default. */
    public double number(String key, double def) {
        Object v = args.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("argument '" + key + "' is not a number: " + v);
    }

    /** An integer argument, or the default. */
    public int integer(String key, int def) {
        return (int) number(key, def);
    }

    /** A boolean argument, or the default. */
    public boolean flag(String key, boolean def) {
        Object v = args.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("argument '" + key + "' is not a boolean: " + v);
    }

    /** A string argument, or the default. */
    public String string(String key, String def) {
        Object v = args.get(key);
        return v == null ? def : String.valueOf(v);
    }

    /** An argument given as one int or a list of two (as PyTorch's kernel_size), as a pair. */
    public int[] pair(String key, int[] def) {
        Object v = args.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return new int[] {n.intValue(), n.intValue()};
        }
        if (v instanceof List<?> l && l.size() == 2) {
            return new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
        }
        throw new IllegalArgumentException("argument '" + key + "' is not an int or a pair: " + v);
    }

    /** An argument given as a list of ints. */
    public int[] ints(String key, int[] def) {
        Object v = args.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return new int[] {n.intValue()};
        }
        if (v instanceof List<?> l) {
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = ((Number) l.get(i)).intValue();
            }
            return out;
        }
        throw new IllegalArgumentException("argument '" + key + "' is not a list of ints: " + v);
    }
}
