package panface.nn.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import panface.nn.Module;
import panface.nn.optim.Optimizer;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * The whole training state in one safetensors file: the model's state dict under "model.", the
 * optimizer's state under "optim.", and in the metadata the step, the generator's seed and
 * offset, and free-form recipe entries. Writes are atomic (temporary file, fsync, rename), so a
 * crash mid-write leaves the previous checkpoint intact. Restoring it and continuing gives the
 * same bits as never stopping (on the CPU backend).
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /** A loaded checkpoint. */
    public record State(long step, long generatorSeed, long generatorOffset, Map<String, Tensor> model, Map<String, Tensor> optimizer,
                        Map<String, String> metadata) {
    }

    /** Saves model, optimizer and generator state with the step and extra metadata. */
    public static void save(Path path, Module model, Optimizer optimizer, Generator gen, long step, Map<String, String> extra)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        if (optimizer != null) {
            optimizer.stateTensors().forEach((k, v) -> tensors.put("optim." + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (extra != null) {
            meta.putAll(extra);
        }
        meta.put("format", "panface-checkpoint-1");
        meta.put("step", Long.toString(step));
        if (gen != null) {
            meta.put("generator_seed", Long.toString(gen.seed()));
            meta.put("generator_offset", Long.toString(gen.offset()));
        }
        Safetensors.save(path, tensors, meta);
    }

    /** Reads a checkpoint written by {@link #save}; tensors go to the current scope. */
    public static State load(Path path) throws IOException {
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        Map<String, String> meta;
        try (Safetensors.Reader r = Safetensors.open(path)) {
            meta = r.metadata();
            if (!"panface-checkpoint-1".equals(meta.get("format"))) {
                throw new IOException(path + " is not a panface training checkpoint (no format entry); load plain weights with WeightFiles");
            }
            for (String n : r.names()) {
                if (n.startsWith("model.")) {
                    model.put(n.substring(6), r.tensor(n));
                } else if (n.startsWith("optim.")) {
                    optim.put(n.substring(6), r.tensor(n));
                }
            }
        }
        return new State(Long.parseLong(meta.getOrDefault("step", "0")), Long.parseLong(meta.getOrDefault("generator_seed", "0")),
                Long.parseLong(meta.getOrDefault("generator_offset", "0")), model, optim, meta);
    }

    /** Restores a loaded state into a model (strictly), an optimizer and a generator (either may be null). */
    public static void restore(State s, Module model, Optimizer optimizer, Generator gen) {
        model.loadStateDict(s.model(), true);
        if (optimizer != null) {
            optimizer.loadStateTensors(s.optimizer());
        }
        if (gen != null) {
            if (gen.seed() != s.generatorSeed()) {
                throw new IllegalArgumentException("the checkpoint's generator seed " + s.generatorSeed() + " differs from this run's " + gen.seed());
            }
            gen.setOffset(s.generatorOffset());
        }
    }
}
