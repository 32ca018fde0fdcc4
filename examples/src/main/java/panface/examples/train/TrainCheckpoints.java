package panface.examples.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Module;
import panface.nn.io.Checkpoint;
import panface.nn.optim.Optimizer;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * The training checkpoints of {@link RecipeTrainer} and {@link GifRecipeTrainer}: the backbone
 * ("model"), the head ("head": Partial FC's class centres and EPL's prototypes, or GIF's token
 * heads), the optimizer state, the Partial FC sampler's position, the data position, the number
 * of steps done, the recipe (the options that shape the model, the head, the data and the
 * schedule) and the evaluation before training. Writes are atomic
 * ({@link Checkpoint}), and non-finite values are never saved, so the last good checkpoint
 * survives a diverged run.
 */
public final class TrainCheckpoints {
    private static final String PREFIX = "train.";
    /** Metadata key of the data source's position. */
    static final String DATA_POSITION = "data.position";

    private TrainCheckpoints() {
    }

    /** The recipe of a run does not match the checkpoint's. */
    public static final class RecipeMismatch extends IllegalArgumentException {
        RecipeMismatch(String message) {
            super(message);
        }
    }

    /** Fails before any training when a checkpoint could not be written at the path. */
    public static void checkWritable(Path file) {
        Path target = file.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("--save " + file + " is a folder; give a file name");
        }
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("--save " + file + " cannot be written: " + describe(e));
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied in " + m;
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException || e instanceof java.nio.file.NotDirectoryException) {
            return m + " is a file, not a folder";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason() + " (" + fse.getFile() + ")";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** The recipe entries of a run, in the checkpoint's metadata under "train.". */
    static Map<String, String> recipe(Map<String, Object> nameValue) {
        Map<String, String> r = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : nameValue.entrySet()) {
            r.put(PREFIX + e.getKey(), String.valueOf(e.getValue()));
        }
        return r;
    }

    /** Saves the training state; refuses (keeping any earlier checkpoint) when a weight or buffer is not finite. */
    static void save(Path file, Map<String, String> metadata, Module model, Module head, Optimizer opt, Map<String, Generator> generators,
            long step)
            throws IOException {
        List<String> bad = new ArrayList<>();
        collectNonFinite("model.", model, bad);
        collectNonFinite("head.", head, bad);
        if (!bad.isEmpty()) {
            throw new IllegalStateException("not saving " + file + " at step " + step + ": non-finite values in " + String.join(", ", bad)
                    + " (training diverged; the previous checkpoint, if any, is kept)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("recipe", "panface train");
        meta.putAll(metadata);
        Checkpoint.save(file, modules(model, head), opt, generators, step, meta);
    }

    /** Adds the names (prefixed) of m's floating-point state entries that hold a non-finite value. */
    static void collectNonFinite(String prefix, Module m, List<String> bad) {
        try (var off = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                // a float64 sum cannot overflow for float32 values, so it is finite exactly when every value is
                if (e.getValue().dtype().isFloating() && !Double.isFinite(e.getValue().detach().to(DType.F64).sum().item())) {
                    bad.add(prefix + e.getKey());
                }
            }
        }
    }

    /**
     * Restores a checkpoint into the run's objects and returns its metadata (step, data position,
     * evaluation before training). The checkpoint's recipe must equal this run's (a different
     * schedule, model or data would not continue the same run).
     */
    static Checkpoint.State resume(Path file, Map<String, String> recipe, Module model, Module head, Optimizer opt,
            Map<String, Generator> generators) throws IOException {
        Checkpoint.State st = Checkpoint.load(file);
        checkRecipe(file, recipe, st);
        Checkpoint.restore(st, modules(model, head), opt, generators);
        return st;
    }

    /** Fails ({@link RecipeMismatch}) when the checkpoint at path was written with another recipe than this run's. */
    static void checkRecipe(Path file, Map<String, String> recipe, Checkpoint.State st) {
        // checkpoints of the class-per-identity head record no head kind
        String head = PREFIX + GifRecipeTrainer.HEAD_KEY;
        String savedHead = st.metadata().getOrDefault(head, "fc");
        String runHead = recipe.getOrDefault(head, "fc");
        if (!savedHead.equals(runHead)) {
            throw new RecipeMismatch("--resume " + file + " was saved by a run with --head " + savedHead + ", not " + runHead
                    + "; resume with the options it was started with");
        }
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : recipe.entrySet()) {
            if (e.getKey().equals(head)) {
                continue;
            }
            String saved = st.metadata().get(e.getKey());
            if (!e.getValue().equals(saved)) {
                diffs.add("--" + e.getKey().substring(PREFIX.length()).replace('_', '-') + " " + e.getValue() + " (checkpoint: "
                        + (saved == null ? "not recorded" : saved) + ")");
            }
        }
        if (!diffs.isEmpty()) {
            throw new RecipeMismatch("--resume " + file + " was saved by a different run: " + String.join(", ", diffs)
                    + "; resume with the options it was started with");
        }
    }

    private static Map<String, Module> modules(Module model, Module head) {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("head", head);
        return m;
    }
}
