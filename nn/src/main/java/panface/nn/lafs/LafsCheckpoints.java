package panface.nn.lafs;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import panface.nn.LoadReport;
import panface.nn.Module;
import panface.tensor.io.WeightFileException;
import panface.nn.io.WeightFiles;
import panface.tensor.Tensor;

/**
 * Loading the reference's checkpoints through the safe reader. A LAFS pretraining checkpoint holds
 * "student" and "teacher" state dicts of DINO's MultiCropWrapper (keys backbone.* and head.*, the
 * student's behind DDP's module.); fine-tuning starts from the teacher's backbone. A supervised
 * Part fViT checkpoint is a plain state dict (module.* under DDP) whose stn.* and output_layer.*
 * are the landmark CNN; its loss.* (CosFace weight) is not part of the backbone.
 */
public final class LafsCheckpoints {
    private LafsCheckpoints() {
    }

    /**
     * The state dict of one network of a file: entry ("teacher", "student"; "" for the whole file) when the file has one,
     * else the whole file; with "module.", "backbone." and "encoder." removed from the keys as the
     * reference's fine-tuning does.
     */
    public static Map<String, Tensor> network(Path file, String entry) throws WeightFileException {
        Map<String, Tensor> all = WeightFiles.read(file).tensors();
        Map<String, Tensor> picked = WeightFiles.stripPrefix(all, entry + ".");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : picked.entrySet()) {
            out.put(e.getKey().replace("module.", "").replace("backbone.", "").replace("encoder.", ""), e.getValue());
        }
        return out;
    }

    /** The tensors under a prefix (such as "head." for the DINO head), the prefix removed; empty when none. */
    public static Map<String, Tensor> under(Map<String, Tensor> state, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /**
     * Loads a Part fViT backbone from a state dict: every key the model has must be present
     * (strict on missing and mis-shaped keys); the reference's extra keys (head.*, loss.*, and
     * stn.* / output_layer.* when the model has no landmark CNN) are returned as unexpected.
     */
    public static LoadReport loadBackbone(PartFViT model, Map<String, Tensor> state) {
        LoadReport r = model.loadStateDict(state, false);
        if (!r.missing().isEmpty() || !r.mismatched().isEmpty()) {
            throw new IllegalArgumentException("the checkpoint does not fit Part fViT: " + r);
        }
        return r;
    }

    /** Loads a landmark CNN from a supervised Part fViT's state dict (its stn.* and output_layer.*), strictly. */
    public static void loadLandmarkCnn(LandmarkCnn lcnn, Map<String, Tensor> state) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith("stn.") || k.startsWith("output_layer.")) {
                own.put(k, v);
            }
        });
        lcnn.loadStateDict(own, true);
    }

    /** Loads a module strictly from the tensors under prefix. */
    public static void loadUnder(Module m, Map<String, Tensor> state, String prefix) {
        m.loadStateDict(under(state, prefix), true);
    }
}
