package panface.examples.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import panface.faceloss.EmpiricalPrototypes;
import panface.faceloss.LVFaceCurriculum;
import panface.faceloss.LVFaceCurriculum.Stage;
import panface.nn.ParameterSlab;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.io.Checkpoint;
import panface.nn.models.FaceViT;
import panface.nn.optim.AdamW;
import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Runs an {@link LVFaceRecipe} on any {@link BatchSource}: a face ViT, the LVFace curriculum head
 * (Partial FC with the margin, EPL prototypes; the baselines never leave the early stage and
 * leave the prototypes untouched), AdamW with the warm-up and polynomial decay, clipping of the
 * backbone's gradients, bf16 autocast on request, and the guard that stops a diverging run
 * before its weights change.
 *
 * <p>Everything a step depends on is in the {@link #save checkpoint}: the weights, the
 * prototypes, the optimizer's moments and step counts, the sampler's position, the data
 * position and the step. {@link #resume} restores them, and the data source is
 * {@link BatchSource#seek sought} to the saved position, so a resumed run continues bit for
 * bit (CPU, same thread count, reproducible kernels), across the stage switch too. Create it
 * inside an open {@link Scope}, which then owns the model.
 */
public final class RecipeTrainer extends RecipeRun {
    private final LVFaceCurriculum head;
    private final int switchStep;

    /** The outcome of one step. */
    public record StepResult(int step, double loss, double learningRate, Stage stage, double gradNorm, double sampleRate) {
    }

    /** A step whose loss or gradients were not finite: nothing was updated. */
    public static final class Diverged extends IllegalStateException {
        Diverged(String message) {
            super(message);
        }
    }

    public RecipeTrainer(LVFaceRecipe recipe, BatchSource data, Device device, boolean autocast) {
        if (data.numClasses() < 2) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " identities; need >= 2");
        }
        FaceViT model = recipe.backbone();
        LVFaceCurriculum.Config cc = new LVFaceCurriculum.Config(Integer.MAX_VALUE, recipe.marginFunction(), recipe.sampleRate(),
                recipe.eplK(), recipe.switches(), EmpiricalPrototypes.Rule.SOFTSIGN, false);
        LVFaceCurriculum head = new LVFaceCurriculum(cc, data.numClasses(), recipe.embedding(), new Generator(recipe.seed() + 7));
        model.to(device);
        head.to(device);
        ParameterSlab.pack(model);
        ParameterSlab.pack(head);
        this.head = head;
        this.switchStep = recipe.switchStep(data.batchesPerEpoch());
        super(recipe, data, device, autocast, model, head.parameters(), recipe.checkpointEntries(autocast));
    }

    public LVFaceCurriculum head() {
        return head;
    }

    /** The first step of the stable stage (the number of steps when the recipe has none). */
    @Override
    public int switchStep() {
        return switchStep;
    }

    /**
     * One training step on the next batch of the data. Throws {@link Diverged} before the
     * optimizer step, leaving the weights and the optimizer's state as they were, when the loss
     * or a gradient is not finite (buffers updated by the forward pass, such as EPL's
     * prototypes, may already hold the bad values: the run must stop, and saving refuses them).
     */
    @Override
    public StepResult trainStep() {
        checkNotDone();
        try (Scope s = Scope.open()) {
            Batch b = data.next();
            Tensor x = b.imagesTensor().to(device);
            Tensor labels = b.labelsTensor().to(device);
            data.recycle(b);    // copied into x: the source may refill its arrays
            Stage stage = stage(step);
            optimizer.setLearningRate(schedule.lr(step));
            Tensor loss;
            try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                loss = head.loss(model.forward(x), labels, stage);
            }
            double value = checkedLoss(loss.item());
            loss.backward();
            double norm = clippedNorm(head.parameters(), "head");
            optimizer.step();
            optimizer.zeroGrad();
            step++;
            return new StepResult(step, value, optimizer.learningRate(), stage, norm, head.fc().sampleRate());
        }
    }

    /** Saves the whole training state (atomic; refused when a weight is not finite). */
    @Override
    public void save(Path file) throws IOException {
        TrainCheckpoints.save(file, checkpointMetadata(), model, head, optimizer, Map.of("sampler", head.fc().sampler()), step);
    }

    /**
     * Continues a saved run: restores the state, seeks the data to the saved position and returns
     * the checkpoint's metadata. Fails ({@link TrainCheckpoints.RecipeMismatch}) when the
     * checkpoint was written with another recipe.
     */
    @Override
    public Map<String, String> resume(Path file) throws IOException {
        Checkpoint.State st = TrainCheckpoints.resume(file, recipeMeta, model, head, optimizer, Map.of("sampler", head.fc().sampler()));
        return resumed(file, st);
    }
}
