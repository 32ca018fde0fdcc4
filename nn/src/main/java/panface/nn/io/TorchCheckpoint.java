package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.io.WeightFileException;

/**
 * Reads {@code torch.save} files (the zip format of PyTorch 1.6 and later: {@code <name>/data.pkl}
 * plus one raw little-endian entry per storage) in Java, without Python and without running
 * code: the pickle goes through {@link SafeUnpickler}, which reads it as
 * {@code torch.load(weights_only=True)} does, with an allow-list of the few globals a state dict
 * needs. Tensors that share a storage in the file share it here too (views keep their offsets
 * and strides). The legacy pre-1.6 format is refused with a clear message.
 *
 * <p>Hostile files end in a {@link WeightFileException} naming the file, what is wrong and where,
 * in time and memory bounded by the file's size. The limits: the pickle ({@code data.pkl}) at
 * most {@link #MAX_PICKLE_BYTES}; containers nested at most {@link #MAX_DEPTH} levels; a tensor
 * at most 2^31-1 elements, with non-negative strides inside its storage; a storage entry exactly
 * as large as its persistent id declares, and when compressed, not inflating past that (nor past
 * deflate's 1032:1); key names that add up to at most 16 characters per pickle byte (plus 1 Mi).
 */
public final class TorchCheckpoint {
    /** The largest pickle (data.pkl) read; real state dicts have tens of KiB. */
    public static final int MAX_PICKLE_BYTES = 16 << 20;
    /** The deepest nesting of dicts, lists and tuples listed. */
    public static final int MAX_DEPTH = 100;

    private TorchCheckpoint() {
    }

    /**
     * What a file holds: the unpickled object graph and its tensors flattened by dotted path. A
     * container reached a second time (shared through the pickle's memo, or containing itself) is
     * listed once, under the path where it was first met; later paths hold a {@link Reference}
     * in {@code values}. Tensors are listed under every path that reaches them.
     */
    public record Contents(Object root, Map<String, Tensor> tensors, Map<String, Object> values) {
    }

    /** A second path to a dict, list or tuple listed under another path. */
    public record Reference(String path) {
        @Override
        public String toString() {
            return path.isEmpty() ? "(the root object itself)" : "(the same object as '" + path + "')";
        }
    }

    /** True when the file starts like a zip archive. */
    public static boolean looksLikeZip(Path path) throws WeightFileException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        } catch (IOException e) {
            throw WeightFileException.unreadable(path, e);
        }
    }

    /** Reads a file; tensors are CPU tensors in the current scope. */
    public static Contents read(Path path) throws WeightFileException {
        if (!looksLikeZip(path)) {
            byte[] head;
            try (InputStream in = Files.newInputStream(path)) {
                head = in.readNBytes(2);
            } catch (IOException e) {
                throw WeightFileException.unreadable(path, e);
            }
            if (head.length == 2 && (head[0] & 0xFF) == 0x80) {
                throw new WeightFileException(path, null, "a legacy (pre-1.6, non-zip) or plain pickle file, which this reader does not "
                        + "support; re-save it with a current PyTorch (torch.save(torch.load(f), f2)) or export safetensors");
            }
            throw new WeightFileException(path, null, "not a PyTorch checkpoint (neither a zip archive nor a pickle)");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (IOException e) {
            throw new WeightFileException(path, "the zip directory", "not a readable zip archive, probably truncated or corrupt ("
                    + e.getMessage() + ")", e);
        }
        try (zip) {
            return read(path, zip);
        } catch (IOException e) {
            throw WeightFileException.unreadable(path, e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new WeightFileException(path, null, "internal error while reading the checkpoint (" + e + ")", e);
        }
    }

    private static Contents read(Path path, ZipFile zip) throws IOException {
        ZipEntry pkl = null;
        for (var en = zip.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9) {
                pkl = e;
                break;
            }
        }
        if (pkl == null) {
            throw new WeightFileException(path, null, "a zip archive without <name>/data.pkl: not a torch.save file");
        }
        String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
        checkByteOrder(path, zip, prefix);
        byte[] pickle = readBounded(path, zip, pkl, MAX_PICKLE_BYTES, "the pickle is larger than the limit of " + MAX_PICKLE_BYTES
                + " bytes");
        Map<String, Storage> storages = new HashMap<>();
        long fileSize = Files.size(path);
        SafeUnpickler u = new SafeUnpickler(path, pkl.getName(), pickle, TorchGlobals.allowed(),
                pid -> storage(path, fileSize, zip, prefix, (SafeUnpickler.Tuple) pid, storages));
        Object root = u.load();
        return Flattener.flatten(path, root, 16L * pickle.length + (1 << 20));
    }

    private static void checkByteOrder(Path path, ZipFile zip, String prefix) throws IOException {
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null) {
            String order = new String(readBounded(path, zip, bo, 16, "longer than any byte order name"), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new WeightFileException(path, bo.getName(), "stores '" + order + "'-endian data; only little-endian files are supported");
            }
        }
    }

    /** An entry's bytes, refusing one that inflates past limit (whatever the zip directory claims). */
    private static byte[] readBounded(Path path, ZipFile zip, ZipEntry e, int limit, String tooLarge) throws WeightFileException {
        if (e.getSize() > limit) {
            throw new WeightFileException(path, e.getName(), tooLarge + " (the zip directory says " + e.getSize() + " bytes)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) {
                throw new WeightFileException(path, e.getName(), tooLarge);
            }
            return b;
        } catch (IOException x) {
            throw entryError(path, e, x);
        }
    }

    static WeightFileException entryError(Path path, ZipEntry e, IOException x) {
        if (x instanceof WeightFileException w) {
            return w;
        }
        return new WeightFileException(path, e.getName(), "the zip entry cannot be read, it is corrupt or truncated ("
                + x.getClass().getSimpleName() + ": " + x.getMessage() + ")", x);
    }

    /** Resolves ('storage', type, key, location, numel) to a CPU storage read from data/key (once per key, as PyTorch caches them). */
    private static Storage storage(Path path, long fileSize, ZipFile zip, String prefix, SafeUnpickler.Tuple t, Map<String, Storage> cache)
            throws IOException {
        if (t.size() != 5 || !(t.get(1) instanceof SafeUnpickler.Global type) || !(t.get(2) instanceof String key)
                || !(t.get(4) instanceof Long numel)) {
            throw new IOException("a storage's persistent id is not ('storage', type, key, location, numel)");
        }
        Storage cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        TorchStorages.Kind kind = TorchStorages.kind(type);
        if (kind == null) {
            throw new IOException("the storage type " + type.qualifiedName() + " is not a supported storage type");
        }
        ZipEntry e = zip.getEntry(prefix + "data/" + key);
        if (e == null) {
            throw new IOException("storage '" + key + "' is referenced but " + prefix + "data/" + key + " is missing");
        }
        Storage s = TorchStorages.read(path, fileSize, zip, e, kind, numel);
        cache.put(key, s);
        return s;
    }
}
