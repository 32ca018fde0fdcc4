package panface.nn.io;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.Shape;
import panface.tensor.Storage;
import panface.tensor.Tensor;

/**
 * The globals a torch.save state dict may use, a subset of what torch.load(weights_only=True)
 * allows: OrderedDict, torch.Size, nn.Parameter, the tensor and parameter rebuild functions and
 * the storage types; and, beyond it, argparse.Namespace, read as an inert map
 * ({@link ArgparseNamespace}) because research checkpoints save their training options with it. Each checks its arguments as strictly as PyTorch does (an offset, size or
 * stride that does not fit, a negative stride, a view reaching outside its storage are refused),
 * with 64-bit values read in full, never cut.
 */
final class TorchGlobals {
    private static final Map<String, SafeUnpickler.Global> ALLOWED = build();

    private TorchGlobals() {
    }

    static Map<String, SafeUnpickler.Global> allowed() {
        return ALLOWED;
    }

    private static Map<String, SafeUnpickler.Global> build() {
        Map<String, SafeUnpickler.Global> g = new HashMap<>();
        add(g, new SafeUnpickler.Global("collections", "OrderedDict", TorchGlobals::orderedDict));
        add(g, new SafeUnpickler.Global("torch", "Size", TorchGlobals::size));
        add(g, new SafeUnpickler.Global("torch.nn.parameter", "Parameter", TorchGlobals::parameter, true));
        add(g, new SafeUnpickler.Global("torch._utils", "_rebuild_tensor_v2", TorchGlobals::rebuild));
        add(g, new SafeUnpickler.Global("torch._utils", "_rebuild_tensor", TorchGlobals::rebuild));
        add(g, new SafeUnpickler.Global("torch._utils", "_rebuild_parameter", TorchGlobals::parameter));
        // Beyond weights_only's list: the training options many checkpoints carry, read inertly.
        add(g, new SafeUnpickler.Global("argparse", "Namespace", TorchGlobals::namespace, true));
        for (String s : TorchStorages.KINDS.keySet()) {
            add(g, new SafeUnpickler.Global("torch", s, null));
        }
        return Map.copyOf(g);
    }

    private static void add(Map<String, SafeUnpickler.Global> m, SafeUnpickler.Global g) {
        m.put(g.qualifiedName(), g);
    }

    /** argparse.Namespace created by NEWOBJ with no arguments; its options come from BUILD. */
    private static Object namespace(SafeUnpickler.Tuple args) throws IOException {
        if (args.size() != 0) {
            throw new IOException("argparse.Namespace is created with no arguments here (its options come from BUILD), got " + args.size());
        }
        return new ArgparseNamespace();
    }

    /** OrderedDict(), OrderedDict([(k, v), ...]) or OrderedDict({k: v}). */
    private static Object orderedDict(SafeUnpickler.Tuple args) throws IOException {
        SafeUnpickler.OrderedDict m = new SafeUnpickler.OrderedDict();
        if (args.size() == 0) {
            return m;
        }
        if (args.size() == 1 && args.get(0) instanceof Map<?, ?> d) {
            for (Map.Entry<?, ?> e : d.entrySet()) {
                m.put(e.getKey(), e.getValue());
            }
            return m;
        }
        if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
            for (Object p : pairs) {
                List<?> kv = p instanceof SafeUnpickler.Tuple t ? t.items() : p instanceof List<?> l ? l : null;
                if (kv == null || kv.size() != 2) {
                    throw new IOException("an item of OrderedDict's list is " + SafeUnpickler.describe(p) + ", not a (key, value) pair");
                }
                if (!SafeUnpickler.isKey(kv.get(0))) {
                    throw new IOException("a key of type " + SafeUnpickler.describe(kv.get(0)) + "; only strings and integers are supported");
                }
                m.put(kv.get(0), kv.get(1));
            }
            return m;
        }
        throw new IOException("unsupported arguments (" + args.size() + " of them; expected none, a list of pairs or a dict)");
    }

    /** torch.Size(iterable of ints): a tuple. */
    private static Object size(SafeUnpickler.Tuple args) throws IOException {
        if (args.size() == 1 && args.get(0) instanceof SafeUnpickler.Tuple t) {
            return t;
        }
        if (args.size() == 1 && args.get(0) instanceof List<?> l) {
            return new SafeUnpickler.Tuple(List.copyOf(l));
        }
        throw new IOException("expected one tuple or list of sizes");
    }

    /** _rebuild_parameter(data, requires_grad, hooks) and Parameter(data[, requires_grad]): the tensor itself. */
    private static Object parameter(SafeUnpickler.Tuple args) throws IOException {
        if (args.size() < 1 || !(args.get(0) instanceof Tensor t)) {
            throw new IOException("the data of a parameter is " + (args.size() < 1 ? "missing" : SafeUnpickler.describe(args.get(0)))
                    + ", not a tensor");
        }
        return t;
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) and _rebuild_tensor. */
    private static Object rebuild(SafeUnpickler.Tuple a) throws IOException {
        if (a.size() < 4) {
            throw new IOException(a.size() + " arguments; expected (storage, offset, size, stride, ...)");
        }
        if (!(a.get(0) instanceof Storage s)) {
            throw new IOException("the storage argument is " + SafeUnpickler.describe(a.get(0)) + ", not a storage");
        }
        long offset = integer(a.get(1), "the storage offset");
        long[] size = integers(a.get(2), "the size");
        long[] stride = integers(a.get(3), "the stride");
        if (size.length != stride.length) {
            throw new IOException("a size of " + size.length + " dimensions with a stride of " + stride.length);
        }
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw new IOException("a storage offset of " + offset + " (it must lie in 0..2^31-1)");
        }
        long numel = 1;
        long last = offset;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0) {
                throw new IOException("a negative size " + size[i] + " in dimension " + i);
            }
            if (stride[i] < 0) {
                throw new IOException("a negative stride " + stride[i] + " in dimension " + i + " (not supported)");
            }
            if (size[i] > Integer.MAX_VALUE) {
                throw new IOException("dimension " + i + " has size " + size[i] + "; tensors of more than 2^31-1 elements are not supported");
            }
            if (stride[i] > Integer.MAX_VALUE) {
                throw new IOException("dimension " + i + " has stride " + stride[i] + "; strides beyond 2^31-1 are not supported");
            }
            numel = numel == 0 || size[i] == 0 ? 0 : Math.min(numel * size[i], Long.MAX_VALUE / Integer.MAX_VALUE);
            last = Math.min(last + (size[i] == 0 ? 0 : (size[i] - 1) * stride[i]), Long.MAX_VALUE / 2);
        }
        if (numel > Integer.MAX_VALUE) {
            throw new IOException("a tensor of size " + java.util.Arrays.toString(size) + " has more than 2^31-1 elements; tensors "
                    + "that large are not supported");
        }
        if (numel > 0 && last >= s.numel()) {
            throw new IOException("a tensor of size " + java.util.Arrays.toString(size) + ", stride " + java.util.Arrays.toString(stride)
                    + " and offset " + offset + " reaches element " + last + " of a storage of " + s.numel());
        }
        int[] sz = new int[size.length];
        int[] st = new int[size.length];
        for (int i = 0; i < sz.length; i++) {
            sz[i] = (int) size[i];
            st[i] = (int) stride[i];
        }
        try {
            return Tensor.wrap(s, (int) offset, sz, st);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException("a tensor of shape " + Shape.toString(sz) + " cannot be made from its storage: " + e.getMessage(), e);
        }
    }

    private static long integer(Object o, String what) throws IOException {
        if (o instanceof Long l) {
            return l;
        }
        throw new IOException(what + " is " + SafeUnpickler.describe(o) + (o instanceof java.math.BigInteger ? " beyond 64 bits" : "")
                + ", not an integer");
    }

    private static long[] integers(Object o, String what) throws IOException {
        if (!(o instanceof SafeUnpickler.Tuple t)) {
            throw new IOException(what + " is " + SafeUnpickler.describe(o) + ", not a tuple of integers");
        }
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = integer(t.get(i), what + "'s element " + i);
        }
        return r;
    }
}
