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
 * The whole training state in one safetensors file: each module's state dict under its name
 * ("model." for the backbone, "head." for a classification head such as Partial FC's class
 * centres), the optimizer's state under "optim.", and in the metadata the step, each generator's
 * seed and offset ("generator.NAME.seed" and ".offset"; the single generator of
 * {@link #save(Path, Module, Optimizer, Generator, long, Map)} as "generator_seed" and
 * "generator_offset") and free-form recipe entries. Restoring it and continuing gives the same
 * bits as never stopping (on the CPU backend, with the same number of threads).
 *
 * <p>Writes are atomic (CheckpointFiles): a temporary file in the same folder, fsync,
 * rename, fsync of the folder; a crash or kill mid-write leaves the previous checkpoint intact,
 * and the temporary files a killed writer left are removed by the next save to the same path.
 */
public final class Checkpoint {
    /** The "format" metadata value. */
    public static final String FORMAT = "panface-checkpoint-1";
    private static final String OPTIM = "optim";
    private static final String DEFAULT_GENERATOR = "default";

    private Checkpoint() {
    }

    /** A generator's saved position. */
    public record GeneratorState(long seed, long offset) {
    }

    /** A loaded checkpoint: each module's state dict by module name. */
    public record State(long step, Map<String, Map<String, Tensor>> modules, Map<String, Tensor> optimizer,
                        Map<String, GeneratorState> generators, Map<String, String> metadata) {
        /** The state dict saved as "model". */
        public Map<String, Tensor> model() {
            return modules.getOrDefault("model", Map.of());
        }
    }

    /** Saves a model (as "model"), optimizer and generator state with the step and extra metadata. */
    public static void save(Path path, Module model, Optimizer optimizer, Generator gen, long step, Map<String, String> extra)
            throws IOException {
        save(path, Map.of("model", model), optimizer, gen == null ? Map.of() : Map.of(DEFAULT_GENERATOR, gen), step, extra);
    }

    /**
     * Saves several modules (by name: letters, digits and '_'; "optim" is taken), an optimizer
     * (may be null), named generators, the step and extra metadata.
     */
    public static void save(Path path, Map<String, Module> modules, Optimizer optimizer, Map<String, Generator> generators, long step,
                            Map<String, String> extra) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : modules.entrySet()) {
            checkName(m.getKey());
            m.getValue().stateDict().forEach((k, v) -> tensors.put(m.getKey() + "." + k, v));
        }
        if (optimizer != null) {
            optimizer.stateTensors().forEach((k, v) -> tensors.put(OPTIM + "." + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (extra != null) {
            meta.putAll(extra);
        }
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(step));
        for (Map.Entry<String, Generator> g : generators.entrySet()) {
            checkName(g.getKey());
            if (g.getKey().equals(DEFAULT_GENERATOR)) {
                meta.put("generator_seed", Long.toString(g.getValue().seed()));
                meta.put("generator_offset", Long.toString(g.getValue().offset()));
            } else {
                meta.put("generator." + g.getKey() + ".seed", Long.toString(g.getValue().seed()));
                meta.put("generator." + g.getKey() + ".offset", Long.toString(g.getValue().offset()));
            }
        }
        CheckpointFiles.write(path, p -> Safetensors.save(p, tensors, meta));
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.equals(OPTIM) || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_')) {
            throw new IllegalArgumentException("checkpoint names are letters, digits and '_' (not 'optim'), got '" + name + "'");
        }
    }

    /** Reads a checkpoint written by {@link #save}; tensors go to the current scope. */
    public static State load(Path path) throws IOException {
        Map<String, Map<String, Tensor>> modules = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        Map<String, String> meta;
        try (Safetensors.Reader r = Safetensors.open(path)) {
            meta = r.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IOException(path + " is not a panface training checkpoint (no format entry); load plain weights with WeightFiles");
            }
            for (String n : r.names()) {
                int dot = n.indexOf('.');
                if (dot <= 0) {
                    throw new IOException(path + ": tensor '" + n + "' belongs to no module");
                }
                String owner = n.substring(0, dot);
                Tensor t = r.tensor(n);
                if (owner.equals(OPTIM)) {
                    optim.put(n.substring(dot + 1), t);
                } else {
                    modules.computeIfAbsent(owner, k -> new LinkedHashMap<>()).put(n.substring(dot + 1), t);
                }
            }
        }
        Map<String, GeneratorState> gens = new LinkedHashMap<>();
        if (meta.containsKey("generator_seed")) {
            gens.put(DEFAULT_GENERATOR, new GeneratorState(number(path, meta, "generator_seed"), number(path, meta, "generator_offset")));
        }
        for (String k : meta.keySet()) {
            if (k.startsWith("generator.") && k.endsWith(".seed")) {
                String name = k.substring("generator.".length(), k.length() - ".seed".length());
                gens.put(name, new GeneratorState(number(path, meta, k), number(path, meta, "generator." + name + ".offset")));
            }
        }
        return new State(number(path, meta, "step"), modules, optim, gens, meta);
    }

    private static long number(Path path, Map<String, String> meta, String key) throws IOException {
        String v = meta.get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IOException(path + ": metadata '" + key + "' is " + (v == null ? "missing" : "not a whole number: '" + v + "'"));
        }
    }

    /** Restores a loaded state into a model (strictly), an optimizer and a generator (either may be null). */
    public static void restore(State s, Module model, Optimizer optimizer, Generator gen) {
        restore(s, Map.of("model", model), optimizer, gen == null ? Map.of() : Map.of(DEFAULT_GENERATOR, gen));
    }

    /**
     * Restores named modules (strictly: each must be in the checkpoint with exactly its keys and
     * shapes), an optimizer (may be null) and named generators (each must be saved, with the
     * same seed: the seed is the run's recipe, the offset its position).
     */
    public static void restore(State s, Map<String, Module> modules, Optimizer optimizer, Map<String, Generator> generators) {
        for (Map.Entry<String, Module> m : modules.entrySet()) {
            Map<String, Tensor> saved = s.modules().get(m.getKey());
            if (saved == null) {
                throw new IllegalArgumentException("the checkpoint has no module '" + m.getKey() + "' (it has " + s.modules().keySet() + ")");
            }
            m.getValue().loadStateDict(saved, true);
        }
        if (optimizer != null) {
            optimizer.loadStateTensors(s.optimizer());
        }
        for (Map.Entry<String, Generator> g : generators.entrySet()) {
            GeneratorState saved = s.generators().get(g.getKey());
            if (saved == null) {
                throw new IllegalArgumentException("the checkpoint has no generator '" + g.getKey() + "' (it has " + s.generators().keySet() + ")");
            }
            if (g.getValue().seed() != saved.seed()) {
                throw new IllegalArgumentException("the checkpoint's generator '" + g.getKey() + "' has seed " + saved.seed() + ", this run's "
                        + g.getValue().seed());
            }
            g.getValue().setOffset(saved.offset());
        }
    }
}
