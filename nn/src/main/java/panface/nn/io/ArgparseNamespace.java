package panface.nn.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code argparse.Namespace} of training options that many research checkpoints save beside
 * their weights (the LAFS and insightface training scripts do), read as an inert map from option
 * name to value. Unpickling one creates no Python object and runs nothing: NEWOBJ of the class
 * gives an empty map, and BUILD may only add string-keyed entries whose values were themselves
 * read safely. A checkpoint's flattened values name them {@code args.lr}, {@code args.arch}, ...
 */
public final class ArgparseNamespace extends LinkedHashMap<Object, Object> implements SafeUnpickler.Buildable {
    private static final long serialVersionUID = 1L;

    ArgparseNamespace() {
    }

    @Override
    public void build(Object state) throws IOException {
        if (!(state instanceof Map<?, ?> m)) {
            throw new IOException("an argparse.Namespace's state must be a dict of options, not " + SafeUnpickler.describe(state));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new IOException("an argparse.Namespace option named by " + SafeUnpickler.describe(e.getKey()) + ", not a string");
            }
            put(e.getKey(), e.getValue());
        }
    }
}
