package panface.examples.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.faceloss.LVFaceCurriculum.Stage;
import panface.nn.Parameter;
import panface.nn.data.BatchSource;
import panface.nn.io.Checkpoint;
import panface.nn.models.FaceViT;
import panface.nn.optim.AdamW;
import panface.nn.optim.GradClip;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.tensor.Device;

/**
 * What the recipe's trainers share: the recipe and its data, the backbone, AdamW over the
 * backbone and a head, the learning-rate schedule, the checkpoint metadata and the step count.
 * A trainer builds its head (on the device, packed) before calling this constructor, then adds
 * its step and its checkpoint format.
 */
abstract sealed class RecipeRun implements StepTrainer permits RecipeTrainer, GifRecipeTrainer, ShardedRecipeTrainer {
    final LVFaceRecipe recipe;
    final BatchSource data;
    final Device device;
    final boolean autocast;
    final FaceViT model;
    final AdamW optimizer;
    final LrSchedule schedule;
    /** What a checkpoint must match to be resumed by this trainer. */
    final Map<String, String> recipeMeta;
    final Map<String, String> extraMeta = new LinkedHashMap<>();
    int step;

    RecipeRun(LVFaceRecipe recipe, BatchSource data, Device device, boolean autocast, FaceViT model, List<Parameter> headParameters,
            Map<String, String> recipeMeta) {
        this.recipe = recipe;
        this.data = data;
        this.device = device;
        this.autocast = autocast;
        this.model = model;
        // insightface's trainer decays every parameter, the class centres included
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(headParameters);
        this.optimizer = new AdamW(List.of(ParamGroup.of(all, recipe.weightDecay())), recipe.lr());
        this.schedule = recipe.schedule();
        this.recipeMeta = recipeMeta;
    }

    @Override
    public final FaceViT model() {
        return model;
    }

    public final AdamW optimizer() {
        return optimizer;
    }

    @Override
    public final Device device() {
        return device;
    }

    @Override
    public final boolean autocast() {
        return autocast;
    }

    @Override
    public final LVFaceRecipe recipe() {
        return recipe;
    }

    @Override
    public final int step() {
        return step;
    }

    @Override
    public final String metadata(String key) {
        return extraMeta.get(key);
    }

    @Override
    public final void putMetadata(String key, String value) {
        extraMeta.put(key, value);
    }

    /** The stage of a step (0-based): early before {@link #switchStep()}, stable from it. */
    public final Stage stage(int atStep) {
        return atStep < switchStep() ? Stage.EARLY : Stage.STABLE;
    }

    /** Refuses a step past the recipe's last. */
    final void checkNotDone() {
        if (step >= recipe.steps()) {
            throw new IllegalStateException("the recipe's " + recipe.steps() + " steps are done");
        }
    }

    /**
     * What the step trains, for a divergence message: the stage, or the trainer's own word for it.
     */
    String phase() {
        return stage(step).name().toLowerCase(Locale.ROOT) + " stage";
    }

    /** Whether flag is true on any rank (the identity for one process; data parallelism must stop every rank together). */
    boolean anyRank(boolean flag) {
        return flag;
    }

    /**
     * Returns the loss's value, or, when it is not finite (on any rank), clears the gradients and
     * throws {@link RecipeTrainer.Diverged} before the backward pass: the weights and the optimizer
     * state stay those of the last good step.
     */
    final double checkedLoss(double value) {
        if (anyRank(!Double.isFinite(value))) {
            optimizer.zeroGrad();
            throw diverged("the loss is " + value);
        }
        return value;
    }

    /**
     * Clips the backbone's gradients to the recipe's norm (the reference clips the backbone only),
     * measures the head's so that a non-finite gradient there is caught too, and returns the
     * backbone's norm before clipping; when either norm is not finite (on any rank), clears the
     * gradients and throws {@link RecipeTrainer.Diverged} before the optimizer step.
     */
    final double clippedNorm(List<Parameter> headParameters, String headName) {
        double norm = GradClip.clipNorm(model.parameters(), recipe.clip());
        double headNorm = GradClip.clipNorm(headParameters, Double.POSITIVE_INFINITY);
        if (anyRank(!Double.isFinite(norm) || !Double.isFinite(headNorm))) {
            optimizer.zeroGrad();
            throw diverged("the gradient norm is " + (!Double.isFinite(norm) ? norm + " (backbone)"
                    : !Double.isFinite(headNorm) ? headNorm + " (" + headName + ")" : "not finite on another rank"));
        }
        return norm;
    }

    private RecipeTrainer.Diverged diverged(String what) {
        return new RecipeTrainer.Diverged(String.format(Locale.ROOT, "training diverged at step %d: %s (learning rate %.3g, %s); "
                + "stopped before the optimizer step", step + 1, what, optimizer.learningRate(), phase()));
    }

    /** The metadata a checkpoint carries: the recipe's entries, the extra ones and the data position. */
    final Map<String, String> checkpointMetadata() {
        Map<String, String> meta = new LinkedHashMap<>(recipeMeta);
        meta.putAll(extraMeta);
        meta.put(TrainCheckpoints.DATA_POSITION, Long.toString(data.position()));
        return meta;
    }

    /**
     * The end of a resume, once the checkpoint's tensors are restored: seeks the data to the saved
     * position, takes the step and keeps the saved evaluations; returns the checkpoint's metadata.
     */
    final Map<String, String> resumed(Path path, Checkpoint.State st) {
        String pos = st.metadata().get(TrainCheckpoints.DATA_POSITION);
        if (pos == null) {
            throw new IllegalArgumentException("--resume " + path + " has no data position");
        }
        data.seek(Long.parseLong(pos));
        step = Math.toIntExact(st.step());
        for (Map.Entry<String, String> e : st.metadata().entrySet()) {
            if (e.getKey().startsWith("eval.")) {
                extraMeta.put(e.getKey(), e.getValue());
            }
        }
        return st.metadata();
    }
}
