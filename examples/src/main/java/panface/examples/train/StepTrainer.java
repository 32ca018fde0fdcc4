package panface.examples.train;

import java.io.IOException;
import java.nio.file.Path;

import panface.nn.models.FaceViT;
import panface.tensor.Device;

/**
 * What {@link TrainLoop} drives: a trainer that takes one step at a time and saves its state.
 * {@link RecipeTrainer} is the single-process one, {@link ShardedRecipeTrainer} the rank of a
 * data-parallel run.
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
}
