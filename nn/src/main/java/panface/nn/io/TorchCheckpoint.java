package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Shape;
import panface.tensor.Storage;
import panface.tensor.Tensor;

/**
 * Reads {@code torch.save} files (the zip format of PyTorch 1.6 and later: {@code <name>/data.pkl}
 * plus one raw little-endian entry per storage) in Java, without Python and without running
 * code: the pickle goes through {@link SafeUnpickler} with an allow-list of the few globals a
 * state dict needs. Tensors that share a storage in the file share it here too (views keep their
 * offsets and strides). The legacy pre-1.6 format is refused with a clear message.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {
    }

    /** What a file holds: the unpickled object graph and its tensors flattened by dotted path. */
    public record Contents(Object root, Map<String, Tensor> tensors, Map<String, Object> values) {
    }

    private static final Map<String, DType> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", DType.F32), Map.entry("DoubleStorage", DType.F64), Map.entry("HalfStorage", DType.F16),
            Map.entry("BFloat16Storage", DType.BF16), Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32),
            Map.entry("BoolStorage", DType.BOOL), Map.entry("ShortStorage", DType.I32), Map.entry("CharStorage", DType.I32),
            Map.entry("ByteStorage", DType.I32));
    private static final Map<String, Integer> STORAGE_BYTES = Map.of("ShortStorage", 2, "CharStorage", 1, "ByteStorage", 1);

    /** True when the file starts like a zip archive. */
    public static boolean looksLikeZip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        }
    }

    /** Reads a file; tensors are CPU tensors in the current scope. */
    public static Contents read(Path path) throws IOException {
        if (!looksLikeZip(path)) {
            byte[] head;
            try (InputStream in = Files.newInputStream(path)) {
                head = in.readNBytes(2);
            }
            if (head.length == 2 && (head[0] & 0xFF) == 0x80) {
                throw new IOException(path + " is a legacy (pre-1.6, non-zip) or plain pickle file, which this reader does not support; "
                        + "re-save it with a current PyTorch (torch.save(torch.load(f), f2)) or export safetensors");
            }
            throw new IOException(path + " is not a PyTorch checkpoint (neither a zip archive nor a pickle)");
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry pkl = null;
            for (var en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - 9) {
                    pkl = e;
                    break;
                }
            }
            if (pkl == null) {
                throw new IOException(path + " is a zip archive without <name>/data.pkl: not a torch.save file");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            checkByteOrder(zip, prefix, path);
            byte[] pickle;
            try (InputStream in = zip.getInputStream(pkl)) {
                pickle = in.readAllBytes();
            }
            Map<String, Storage> storages = new HashMap<>();
            Map<String, SafeUnpickler.Global> allowed = globals();
            IOException[] failure = new IOException[1];
            SafeUnpickler u = new SafeUnpickler(pickle, allowed, pid -> {
                try {
                    return storage(zip, prefix, pid, storages, path);
                } catch (IOException e) {
                    failure[0] = e;
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            });
            Object root;
            try {
                root = u.load();
            } catch (IOException e) {
                throw failure[0] != null ? failure[0] : new IOException(path + ": " + e.getMessage(), e);
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Object> values = new LinkedHashMap<>();
            flatten("", root, tensors, values);
            return new Contents(root, tensors, values);
        }
    }

    private static void checkByteOrder(ZipFile zip, String prefix, Path path) throws IOException {
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null) {
            try (InputStream in = zip.getInputStream(bo)) {
                String order = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
                if (!order.equals("little")) {
                    throw new IOException(path + " stores " + order + "-endian data; only little-endian files are supported");
                }
            }
        }
    }

    /** Resolves ('storage', type, key, location, numel) to a CPU storage read from data/key (once per key). */
    private static Storage storage(ZipFile zip, String prefix, Object pid, Map<String, Storage> cache, Path path) throws IOException {
        if (!(pid instanceof SafeUnpickler.Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof SafeUnpickler.Global type) || !(t.get(2) instanceof String key)) {
            throw new IOException(path + ": unexpected persistent id " + pid);
        }
        Storage cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        DType dtype = STORAGES.get(type.name());
        ZipEntry e = zip.getEntry(prefix + "data/" + key);
        if (e == null) {
            throw new IOException(path + ": storage " + key + " is referenced but data/" + key + " is missing");
        }
        byte[] raw;
        try (InputStream in = zip.getInputStream(e)) {
            raw = in.readAllBytes();
        }
        int width = STORAGE_BYTES.getOrDefault(type.name(), dtype.byteSize());
        if (raw.length % width != 0) {
            throw new IOException(path + ": data/" + key + " has " + raw.length + " bytes, not a whole number of " + type.name() + " elements");
        }
        int n = raw.length / width;
        Tensor t0 = Tensor.empty(Device.CPU, dtype, n);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Object arr = switch (type.name()) {
            case "FloatStorage" -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                yield a;
            }
            case "DoubleStorage" -> {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                yield a;
            }
            case "HalfStorage", "BFloat16Storage" -> {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                yield a;
            }
            case "LongStorage" -> {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                yield a;
            }
            case "IntStorage" -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                yield a;
            }
            case "ShortStorage" -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = b.getShort(2 * i);
                }
                yield a;
            }
            case "CharStorage" -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i];
                }
                yield a;
            }
            case "ByteStorage" -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i] & 0xFF;
                }
                yield a;
            }
            case "BoolStorage" -> {
                for (byte x : raw) {
                    if (x != 0 && x != 1) {
                        throw new IOException(path + ": data/" + key + " holds a boolean byte " + x);
                    }
                }
                yield raw;
            }
            default -> throw new IOException(path + ": unsupported storage type " + type.name());
        };
        t0.backend().write(t0.storage(), 0, arr, 0, n);
        cache.put(key, t0.storage());
        return t0.storage();
    }

    private static Map<String, SafeUnpickler.Global> globals() {
        Map<String, SafeUnpickler.Global> g = new HashMap<>();
        g.put("collections.OrderedDict", new SafeUnpickler.Global("collections", "OrderedDict", args -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                for (Object p : pairs) {
                    SafeUnpickler.Tuple kv = (SafeUnpickler.Tuple) p;
                    m.put(kv.get(0), kv.get(1));
                }
            } else if (args.size() != 0) {
                throw new IOException("OrderedDict with unsupported arguments");
            }
            return m;
        }));
        g.put("torch._utils._rebuild_tensor_v2", new SafeUnpickler.Global("torch._utils", "_rebuild_tensor_v2", TorchCheckpoint::rebuild));
        g.put("torch._utils._rebuild_tensor", new SafeUnpickler.Global("torch._utils", "_rebuild_tensor", TorchCheckpoint::rebuild));
        g.put("torch._utils._rebuild_parameter", new SafeUnpickler.Global("torch._utils", "_rebuild_parameter", args -> args.get(0)));
        for (String s : STORAGES.keySet()) {
            g.put("torch." + s, new SafeUnpickler.Global("torch", s, null));
        }
        return g;
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private static Object rebuild(SafeUnpickler.Tuple a) throws IOException {
        if (a.size() < 4 || !(a.get(0) instanceof Storage s)) {
            throw new IOException("_rebuild_tensor_v2 with unexpected arguments");
        }
        int offset = (int) (long) (Long) a.get(1);
        int[] size = ints(a.get(2));
        int[] stride = ints(a.get(3));
        try {
            return Tensor.wrap(s, offset, size, stride);
        } catch (IndexOutOfBoundsException e) {
            throw new IOException("a tensor of shape " + Shape.toString(size) + " reaches outside its storage: " + e.getMessage(), e);
        }
    }

    private static int[] ints(Object o) throws IOException {
        if (!(o instanceof SafeUnpickler.Tuple t)) {
            throw new IOException("expected a tuple of ints, got " + o);
        }
        int[] r = new int[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (int) (long) (Long) t.get(i);
        }
        return r;
    }

    /** Nested dicts flatten to dotted keys; tensors go to one map, other leaves (numbers, strings) to another. */
    private static void flatten(String prefix, Object o, Map<String, Tensor> tensors, Map<String, Object> values) {
        if (o instanceof Tensor t) {
            tensors.put(prefix.isEmpty() ? "tensor" : prefix, t);
        } else if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                flatten(prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), tensors, values);
            }
        } else if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(prefix.isEmpty() ? Integer.toString(i) : prefix + "." + i, l.get(i), tensors, values);
            }
        } else if (o instanceof SafeUnpickler.Tuple t) {
            flatten(prefix, t.items(), tensors, values);
        } else {
            values.put(prefix, o);
        }
    }
}
