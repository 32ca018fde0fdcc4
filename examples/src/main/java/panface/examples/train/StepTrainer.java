package panface.examples.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import panface.nn.models.FaceViT;
import panface.tensor.Device;

/**
 * What {@link TrainLoop} drives: a trainer that takes one step at a time and saves its state.
 * {@link RecipeTrainer} is the single-process one, {@link ShardedRecipeTrainer} the rank of a
 * data-parallel run, {@link GifRecipeTrainer} the single-process one with GIF's identity codes.
 */
public interface StepTrainer {
    /** The recipe being run. */
    LVFaceRecipe recipe();

    /** Steps done. */
    int step();

    /** The first step of the stable stage (the number of steps when the recipe has none). */
    int switchStep();

    /** The backbone (replicated on every rank of a data-parallel run). */
    FaceViT model();

    Device device();

    boolean autocast();

    /** One step; throws {@link RecipeTrainer.Diverged} before the optimizer step when the loss or a gradient is not finite. */
    RecipeTrainer.StepResult trainStep();

    /** Saves the whole training state at the path (a file, or a folder of shards for a data-parallel run). */
    void save(Path path) throws IOException;

    /** Continues a saved run from the path and returns the checkpoint's metadata. */
    Map<String, String> resume(Path path) throws IOException;

    /** A metadata entry restored from the checkpoint or put by {@link #putMetadata}, or null. */
    String metadata(String key);

    /** Extra metadata saved with every checkpoint from now on (e.g. the evaluation before training). */
    void putMetadata(String key, String value);

    /** What a log line says about the head after a step: by default the stage and Partial FC's sample rate. */
    default String phase(RecipeTrainer.StepResult res) {
        return String.format(Locale.ROOT, "%s (rate %.1f)", res.stage().name().toLowerCase(Locale.ROOT), res.sampleRate());
    }
}
