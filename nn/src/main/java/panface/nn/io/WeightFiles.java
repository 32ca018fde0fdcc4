package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.io.WeightFileException;

/**
 * Reads model weights from a safetensors file or a PyTorch checkpoint (detected from the
 * content, not the name), as named CPU tensors in the current scope. Anything wrong with a file
 * (missing, unreadable, corrupt, truncated, unsafe, beyond a limit of {@link Safetensors} or
 * {@link TorchCheckpoint}) is a {@link WeightFileException} naming the file, what is wrong and
 * where; no other exception comes out of a hostile file.
 */
public final class WeightFiles {
    private WeightFiles() {
    }

    /** The file formats understood. */
    public enum Format { SAFETENSORS, PYTORCH }

    /**
     * Named tensors, with the format and the non-tensor values a PyTorch file carried (epoch,
     * names; nested dicts are flattened with dots, e.g. "state_dict.conv1.weight").
     */
    public record Weights(Format format, Map<String, Tensor> tensors, Map<String, Object> values) {
    }

    /** Detects the format of a file. */
    public static Format detect(Path path) throws WeightFileException {
        if (TorchCheckpoint.looksLikeZip(path)) {
            return Format.PYTORCH;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(9);
        } catch (IOException e) {
            throw WeightFileException.unreadable(path, e);
        }
        if (head.length == 9) {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n > 1 && n < (100L << 20) && head[8] == '{') {
                return Format.SAFETENSORS;
            }
        }
        if (head.length >= 1 && (head[0] & 0xFF) == 0x80) {
            return Format.PYTORCH;
        }
        throw new WeightFileException(path, null, "neither a safetensors file nor a PyTorch checkpoint");
    }

    /** Reads every tensor of a file. */
    public static Weights read(Path path) throws WeightFileException {
        if (!Files.exists(path)) {
            throw new WeightFileException(path, null, "no such file");
        }
        if (!Files.isRegularFile(path)) {
            throw new WeightFileException(path, null, "not a regular file");
        }
        Format f = detect(path);
        if (f == Format.SAFETENSORS) {
            return new Weights(f, Safetensors.load(path), Map.of());
        }
        TorchCheckpoint.Contents c = TorchCheckpoint.read(path);
        return new Weights(f, c.tensors(), c.values());
    }

    /**
     * The tensors under a prefix, with the prefix removed (e.g. "state_dict." or DDP's "module.");
     * all tensors when no key has the prefix.
     */
    public static Map<String, Tensor> stripPrefix(Map<String, Tensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                out.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return out.isEmpty() ? tensors : out;
    }

    /**
     * A state dict from a file: the tensors, unwrapped from a "state_dict", "model" or
     * "backbone" entry and DDP's "module." prefix when present.
     */
    public static Map<String, Tensor> stateDict(Path path) throws WeightFileException {
        Map<String, Tensor> t = read(path).tensors();
        for (String wrapper : new String[] {"state_dict.", "model.", "backbone."}) {
            boolean all = !t.isEmpty() && t.keySet().stream().allMatch(k -> k.startsWith(wrapper));
            if (all) {
                t = stripPrefix(t, wrapper);
            }
        }
        if (!t.isEmpty() && t.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            t = stripPrefix(t, "module.");
        }
        return t;
    }
}
