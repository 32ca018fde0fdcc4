package panface.examples.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.distributed.Communicator;
import panface.distributed.DataParallel;
import panface.distributed.ShardedCheckpoint;
import panface.distributed.ShardedPartialFC;
import panface.distributed.ShardedPrototypes;
import panface.faceloss.EmpiricalPrototypes;
import panface.faceloss.LVFaceCurriculum.Stage;
import panface.nn.Module;
import panface.nn.ParameterSlab;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.io.Checkpoint;
import panface.nn.models.FaceViT;
import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * One rank of a data-parallel {@link LVFaceRecipe} run: the face ViT replicated (the same seed on
 * every rank, then rank 0's weights broadcast) with its gradients averaged after each backward
 * pass (overlapped with it unless {@code dp} turned that off), and the LVFace head sharded by class, as insightface's partial_fc_v2: Partial FC's
 * centres ({@link ShardedPartialFC}) with the margin, sampled at the recipe's rate in the early
 * stage and complete in the stable one, and EPL's prototypes ({@link ShardedPrototypes}), updated
 * from the start and added to the loss from the switch, as {@link RecipeTrainer} does.
 *
 * <p>The recipe's batch is the global batch: {@code data} is this rank's share of it
 * (batch / worldSize images per step), and the loss is the mean over the global batch, the same
 * scalar on every rank. With every class sampled (the stable stage, or a sample rate of 1) a
 * step equals the single-process step on the ranks' batches concatenated in rank order, up to
 * the order of floating-point sums; with sampling, each rank draws its shard's negatives from
 * its own stream. The divergence guard agrees across ranks (a non-finite flag all-reduced with
 * MAX), so every rank stops at the same step. Checkpoints are folders of one file per rank
 * ({@link ShardedCheckpoint}), resumed on the same world size. Create it inside an open
 * {@link Scope}.
 */
public final class ShardedRecipeTrainer extends RecipeRun {
    private static final String HEAD = "head";

    private final DataParallel dp;
    private final Communicator comm;
    private final ShardedPartialFC fc;
    private final ShardedPrototypes prototypes;
    private final int switchStep;

    public ShardedRecipeTrainer(LVFaceRecipe recipe, BatchSource data, Device device, boolean autocast, DataParallel dp) {
        if (data.numClasses() < 2) {
            throw new IllegalArgumentException("the data has " + data.numClasses() + " identities; need >= 2");
        }
        if (recipe.batch() % dp.worldSize() != 0) {
            throw new IllegalArgumentException("--batch " + recipe.batch() + " (the global batch) must be divisible by the " + dp.worldSize()
                    + " ranks");
        }
        Communicator comm = dp.communicator();
        long seed = recipe.seed();
        FaceViT model = recipe.backbone();
        // the generators of RecipeTrainer's head: its centres and prototypes, forked per rank by the shards
        Generator headGen = new Generator(seed + 7);
        ShardedPartialFC fc = dp.partialFc(data.numClasses(), recipe.embedding(), recipe.sampleRate(), recipe.marginFunction(), headGen);
        ShardedPrototypes prototypes = new ShardedPrototypes(comm, data.numClasses(), recipe.embedding(), EmpiricalPrototypes.Rule.SOFTSIGN,
                recipe.eplK(), false, new Generator(seed + 7).fork(0xE91));
        model.to(device);
        fc.to(device);
        prototypes.to(device);
        ParameterSlab.pack(model);
        ParameterSlab.pack(fc);
        dp.broadcast(model);
        dp.replicate(model);
        this.dp = dp;
        this.comm = comm;
        this.fc = fc;
        this.prototypes = prototypes;
        this.switchStep = recipe.switchStep(data.batchesPerEpoch());
        super(recipe, data, device, autocast, model, fc.parameters(), recipe.checkpointEntries(autocast));
    }

    @Override
    public int switchStep() {
        return switchStep;
    }

    /** This rank's shard of Partial FC's class centres. */
    public ShardedPartialFC fc() {
        return fc;
    }

    /** This rank's shard of EPL's prototypes. */
    public ShardedPrototypes prototypes() {
        return prototypes;
    }

    public DataParallel dataParallel() {
        return dp;
    }

    @Override
    public RecipeTrainer.StepResult trainStep() {
        checkNotDone();
        try (Scope s = Scope.open()) {
            Batch b = data.next();
            Tensor x = b.imagesTensor().to(device);
            Tensor labels = b.labelsTensor().to(device);
            data.recycle(b);
            Stage stage = stage(step);
            optimizer.setLearningRate(schedule.lr(step));
            Tensor loss;
            try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                loss = loss(model.forward(x), labels, stage);
            }
            // the loss is the global mean, so every rank sees the same value; checking on every rank keeps that an invariant, not an assumption
            double value = checkedLoss(loss.item());
            // the backward pass, with the replicated gradients averaged over ranks as it goes (or after it: DataParallel.setOverlap)
            dp.backward(loss);
            // the centre shards' gradients are rank-local: one rank's non-finite shard must stop every rank
            double norm = clippedNorm(fc.parameters(), "head");
            optimizer.step();
            optimizer.zeroGrad();
            step++;
            return new RecipeTrainer.StepResult(step, value, optimizer.learningRate(), stage, norm, fc.sampleRate());
        }
    }

    /** LVFaceCurriculum's loss of a stage over the shards: Partial FC, plus EPL's prototype term averaged in from the switch. */
    private Tensor loss(Tensor embeddings, Tensor labels, Stage stage) {
        fc.setSampleRate(stage == Stage.EARLY ? recipe.sampleRate() : 1.0);
        if (stage == Stage.STABLE || recipe.switches()) {
            prototypes.update(embeddings, labels);
        }
        Tensor l = fc.loss(embeddings, labels);
        if (stage == Stage.STABLE) {
            l = l.add(prototypes.loss(embeddings, labels, recipe.marginFunction())).mul(0.5);
        }
        return l;
    }

    @Override
    boolean anyRank(boolean flag) {
        Tensor t = Tensor.of(new float[] {flag ? 1f : 0f}, 1).to(device);
        comm.allReduce(t, Communicator.Op.MAX);
        return t.item() > 0;
    }

    /**
     * Saves this rank's file of the checkpoint folder (returns once every rank has written); refused
     * on every rank when a weight of any rank is not finite.
     */
    @Override
    public void save(Path dir) throws IOException {
        List<String> bad = new ArrayList<>();
        TrainCheckpoints.collectNonFinite("model.", model, bad);
        TrainCheckpoints.collectNonFinite("head.", fc, bad);
        TrainCheckpoints.collectNonFinite("epl.", prototypes, bad);
        if (anyRank(!bad.isEmpty())) {
            throw new IllegalStateException("not saving " + dir + " at step " + step + ": non-finite values in "
                    + (bad.isEmpty() ? "another rank's shard" : String.join(", ", bad)) + " (training diverged; the previous checkpoint, if any, is kept)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("recipe", "panface train");
        meta.putAll(checkpointMetadata());
        ShardedCheckpoint.save(dir, comm, modules(), HEAD, fc, optimizer, Map.of("sampler", fc.sampler()), step, meta);
    }

    /**
     * Continues a saved run from this rank's file of the folder: the same recipe and world size,
     * every rank at the same step; seeks the data to the saved position and returns the metadata.
     */
    @Override
    public Map<String, String> resume(Path dir) throws IOException {
        Checkpoint.State st = ShardedCheckpoint.load(dir, comm, fc);
        TrainCheckpoints.checkRecipe(dir, recipeMeta, st);
        Checkpoint.restore(st, modules(), optimizer, Map.of("sampler", fc.sampler()));
        return resumed(dir, st);
    }

    private Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put(HEAD, fc);
        m.put("epl", prototypes);
        return m;
    }
}
