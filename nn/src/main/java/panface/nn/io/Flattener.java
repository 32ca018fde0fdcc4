package panface.nn.io;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.Tensor;
import panface.tensor.io.WeightFileException;

/**
 * Flattens an unpickled object graph to dotted paths: tensors to one map, other leaves to
 * another. Each dict, list and tuple is expanded once, where it is first met; a later path to it
 * (shared through the memo, or a container holding itself) becomes a
 * {@link TorchCheckpoint.Reference}. So the work is linear in the graph, which is linear in the
 * pickle, however a hostile file nests its references; the nesting depth and the total length
 * of the key names are bounded too.
 */
final class Flattener {
    private final Path file;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<Object, String> expanded = new IdentityHashMap<>();
    private final long nameBudget;
    private long nameChars;

    private Flattener(Path file, long nameBudget) {
        this.file = file;
        this.nameBudget = nameBudget;
    }

    /** Flattens root; key names may add up to nameBudget characters. */
    static TorchCheckpoint.Contents flatten(Path file, Object root, long nameBudget) throws WeightFileException {
        Flattener f = new Flattener(file, nameBudget);
        f.walk("", root, 0);
        return new TorchCheckpoint.Contents(root, f.tensors, f.values);
    }

    private void walk(String path, Object o, int depth) throws WeightFileException {
        if (o instanceof Tensor t) {
            tensors.put(path.isEmpty() ? "tensor" : path, t);
            return;
        }
        if (!(o instanceof Map<?, ?> || o instanceof List<?> || o instanceof SafeUnpickler.Tuple)) {
            values.put(path, o instanceof SafeUnpickler.Global g ? g.qualifiedName() : o);
            return;
        }
        String first = expanded.get(o);
        if (first != null) {
            values.put(path, new TorchCheckpoint.Reference(first));
            return;
        }
        if (depth >= TorchCheckpoint.MAX_DEPTH) {
            throw new WeightFileException(file, "key '" + abbreviate(path) + "'", "containers nest more than " + TorchCheckpoint.MAX_DEPTH
                    + " levels deep");
        }
        expanded.put(o, path);
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(child(path, String.valueOf(e.getKey())), e.getValue(), depth + 1);
            }
        } else {
            List<?> l = o instanceof SafeUnpickler.Tuple t ? t.items() : (List<?>) o;
            for (int i = 0; i < l.size(); i++) {
                walk(child(path, Integer.toString(i)), l.get(i), depth + 1);
            }
        }
    }

    private String child(String path, String key) throws WeightFileException {
        long len = path.isEmpty() ? key.length() : (long) path.length() + 1 + key.length();
        nameChars += len;
        if (nameChars > nameBudget) {
            throw new WeightFileException(file, "key '" + abbreviate(path) + "'", "the key names add up to more than " + nameBudget
                    + " characters (16 per byte of the pickle, plus 1 Mi): a hostile or corrupt object graph");
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 100) + "..." + s.substring(s.length() - 100);
    }
}
