package panface.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.faceloss.PartialFC;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.io.Checkpoint;
import panface.nn.optim.Optimizer;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * The {@code train} command's checkpoints: the backbone ("model"), the Partial FC class centres
 * ("head"), the optimizer state, the data and sampler generators' positions, the number of steps
 * done and the recipe (the options that shape the model, the data and the schedule). Resuming
 * restores all of it, so a resumed run continues with the same bits as one that never stopped
 * (CPU, same thread count). Non-finite values are never saved.
 */
final class TrainCheckpoints {
    private static final String PREFIX = "train.";

    private TrainCheckpoints() {
    }

    /** Fails before any training when a checkpoint could not be written at the path. */
    static void checkWritable(Path file) {
        Path target = file.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new UsageException("--save " + file + " is a folder; give a file name");
        }
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new UsageException("--save " + file + " cannot be written: " + describe(e));
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
    static Map<String, String> recipe(Object... nameValue) {
        Map<String, String> r = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            r.put(PREFIX + nameValue[i], String.valueOf(nameValue[i + 1]));
        }
        return r;
    }

    /** Stops the run when the loss is no longer finite (the weights would follow). */
    static void checkLoss(Tensor loss, int step, double lr) {
        double v = loss.item();
        if (!Double.isFinite(v)) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "training diverged at step %d: the loss is %s (learning rate %.3g); stopped, no checkpoint written", step + 1, v, lr));
        }
    }

    /** Saves the training state; refuses (keeping any earlier checkpoint) when a weight is not finite. */
    static void save(Path file, Map<String, String> recipe, Module model, PartialFC head, Optimizer opt, Generator data, long step)
            throws IOException {
        List<String> bad = new ArrayList<>();
        collectNonFinite("model.", model, bad);
        collectNonFinite("head.", head, bad);
        if (!bad.isEmpty()) {
            throw new IllegalStateException("not saving " + file + " at step " + step + ": non-finite values in " + String.join(", ", bad)
                    + " (training diverged; the previous checkpoint, if any, is kept)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("recipe", "panface train demo");
        meta.putAll(recipe);
        Checkpoint.save(file, modules(model, head), opt, generators(data, head), step, meta);
    }

    private static void collectNonFinite(String prefix, Module m, List<String> bad) {
        try (var off = GradMode.noGrad()) {
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                // a float64 sum cannot overflow for float32 values, so it is finite exactly when every value is
                if (!Double.isFinite(e.getValue().data().detach().to(DType.F64).sum().item())) {
                    bad.add(prefix + e.getKey());
                }
            }
        }
    }

    /**
     * Restores a checkpoint into the run's objects and returns the number of steps it had done.
     * The checkpoint's recipe must equal this run's (a different schedule, model or data would
     * not continue the same run).
     */
    static long resume(Path file, Map<String, String> recipe, Module model, PartialFC head, Optimizer opt, Generator data) throws IOException {
        Checkpoint.State st = Checkpoint.load(file);
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : recipe.entrySet()) {
            String saved = st.metadata().get(e.getKey());
            if (!e.getValue().equals(saved)) {
                diffs.add("--" + e.getKey().substring(PREFIX.length()).replace('_', '-') + " " + e.getValue() + " (checkpoint: "
                        + (saved == null ? "not recorded" : saved) + ")");
            }
        }
        if (!diffs.isEmpty()) {
            throw new UsageException("--resume " + file + " was saved by a different run: " + String.join(", ", diffs)
                    + "; resume with the options it was started with");
        }
        Checkpoint.restore(st, modules(model, head), opt, generators(data, head));
        return st.step();
    }

    private static Map<String, Module> modules(Module model, PartialFC head) {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("head", head);
        return m;
    }

    private static Map<String, Generator> generators(Generator data, PartialFC head) {
        Map<String, Generator> g = new LinkedHashMap<>();
        g.put("data", data);
        g.put("sampler", head.sampler());
        return g;
    }
}
