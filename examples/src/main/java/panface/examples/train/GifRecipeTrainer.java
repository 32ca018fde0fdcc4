package panface.examples.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;

import panface.faceloss.GifTokenLoss;
import panface.faceloss.LVFaceCurriculum.Stage;
import panface.faceloss.gif.GifTraining;
import panface.faceloss.gif.IdentityCodes;
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
 * Runs an {@link LVFaceRecipe}'s backbone, optimizer, schedule and clipping with GIF's identity
 * codes instead of one class per identity: l token heads ({@link GifTokenLoss}) predict each
 * image's identity code, so the head holds l x k rows whatever the number of identities. The
 * recipe's Partial FC, EPL and stage-switch keys do not apply; its margin keys (loss, scale,
 * margin) give the margin heads' ArcFace or CosFace margin.
 *
 * <p>The checkpoint holds what {@link RecipeTrainer}'s does (the backbone under "model", the token
 * heads under "head", the optimizer, the data position and the step), with the head options and a
 * fingerprint of the codes among the recipe entries, so a run resumed with other codes is refused.
 * Evaluation uses the backbone's embedding only, as for every head. Create it inside an open
 * {@link Scope}, which then owns the model.
 */
public final class GifRecipeTrainer extends RecipeRun {
    /** Metadata key (after "train.") naming the head kind; absent in checkpoints of the class-per-identity head. */
    static final String HEAD_KEY = "head";

    /**
     * The token heads' options [UNVERIFIED in the paper, see GIF.md].
     *
     * @param margin       margin heads (the recipe's ArcFace or CosFace margin on cosine logits) instead of linear ones (plain softmax)
     * @param conditioning independent heads, or heads that see the earlier tokens
     */
    public record Heads(boolean margin, GifTokenLoss.Conditioning conditioning) {
        /** Linear heads, independent: the reference's first suggestion. */
        public static Heads defaults() {
            return new Heads(false, GifTokenLoss.Conditioning.INDEPENDENT);
        }

        /** Reads the command-line names: softmax or margin, independent or prefix. */
        public static Heads parse(String heads, String conditioning) {
            boolean margin = switch (heads) {
                case "softmax" -> false;
                case "margin" -> true;
                default -> throw new IllegalArgumentException("--gif-heads is softmax or margin, got '" + heads + "'");
            };
            GifTokenLoss.Conditioning c = switch (conditioning) {
                case "independent" -> GifTokenLoss.Conditioning.INDEPENDENT;
                case "prefix" -> GifTokenLoss.Conditioning.PREFIX;
                default -> throw new IllegalArgumentException("--gif-conditioning is independent or prefix, got '" + conditioning + "'");
            };
            return new Heads(margin, c);
        }

        String headsName() {
            return margin ? "margin" : "softmax";
        }

        String conditioningName() {
            return conditioning.name().toLowerCase(Locale.ROOT);
        }
    }

    private final IdentityCodes codes;
    private final GifTokenLoss heads;

    /** Fails when the codes do not cover the data's identities. */
    public GifRecipeTrainer(LVFaceRecipe recipe, BatchSource data, IdentityCodes codes, Heads options, Device device, boolean autocast) {
        if (codes.size() < data.numClasses()) {
            throw new IllegalArgumentException("the codes file holds " + codes.size() + " codes for " + data.numClasses()
                    + " identities; build codes for this data with 'panface gif codes'");
        }
        FaceViT model = recipe.backbone();
        GifTokenLoss heads = GifTokenLoss.of(codes.l(), codes.k(), recipe.embedding(), options.margin() ? recipe.marginFunction() : null,
                options.conditioning(), new Generator(recipe.seed() + 7));
        model.to(device);
        heads.to(device);
        ParameterSlab.pack(model);
        ParameterSlab.pack(heads);
        Map<String, String> recipeMeta = new LinkedHashMap<>(recipe.checkpointEntries(autocast));
        Map<String, Object> gif = new LinkedHashMap<>();
        gif.put(HEAD_KEY, "gif");
        gif.put("gif_k", codes.k());
        gif.put("gif_l", codes.l());
        gif.put("gif_heads", options.headsName());
        gif.put("gif_conditioning", options.conditioningName());
        gif.put("gif_codes", fingerprint(codes));
        recipeMeta.putAll(TrainCheckpoints.recipe(gif));
        this.codes = codes;
        this.heads = heads;
        super(recipe, data, device, autocast, model, heads.parameters(), recipeMeta);
    }

    /** The codes' size and CRC-32 of their tokens, to tell two codes files apart. */
    static String fingerprint(IdentityCodes codes) {
        CRC32 crc = new CRC32();
        for (int t : codes.tokens()) {
            crc.update(t);
            crc.update(t >>> 8);
            crc.update(t >>> 16);
            crc.update(t >>> 24);
        }
        return String.format(Locale.ROOT, "%d-%08x", codes.size(), crc.getValue());
    }

    /** The token heads (not used at evaluation). */
    public GifTokenLoss heads() {
        return heads;
    }

    /** GIF has no stage switch. */
    @Override
    public int switchStep() {
        return recipe.steps();
    }

    @Override
    public String phase(RecipeTrainer.StepResult res) {
        return String.format(Locale.ROOT, "gif (k %d, l %d)", codes.k(), codes.l());
    }

    /**
     * One step: the backbone's embeddings, the token loss against the batch's codes, clipping of
     * the backbone, AdamW. Throws {@link RecipeTrainer.Diverged} before the optimizer step when
     * the loss or a gradient is not finite.
     */
    @Override
    public RecipeTrainer.StepResult trainStep() {
        checkNotDone();
        try (Scope s = Scope.open()) {
            Batch b = data.next();
            Tensor x = b.imagesTensor().to(device);
            Tensor target = GifTraining.codesOf(codes, b.labels()).to(device);
            data.recycle(b);
            optimizer.setLearningRate(schedule.lr(step));
            Tensor loss;
            try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                loss = heads.loss(model.forward(x), target);
            }
            double value = checkedLoss(loss.item());
            loss.backward();
            double norm = clippedNorm(heads.parameters(), "heads");
            optimizer.step();
            optimizer.zeroGrad();
            step++;
            return new RecipeTrainer.StepResult(step, value, optimizer.learningRate(), Stage.EARLY, norm, 1.0);
        }
    }

    @Override
    String phase() {
        return "gif heads";
    }

    /** Saves the whole training state (atomic; refused when a weight is not finite). */
    @Override
    public void save(Path file) throws IOException {
        TrainCheckpoints.save(file, checkpointMetadata(), model, heads, optimizer, Map.of(), step);
    }

    /**
     * Continues a saved run: restores the backbone, the heads and the optimizer, seeks the data and
     * returns the checkpoint's metadata. Fails ({@link TrainCheckpoints.RecipeMismatch}) when the
     * checkpoint was written with another recipe, other head options or other codes.
     */
    @Override
    public Map<String, String> resume(Path file) throws IOException {
        Checkpoint.State st = TrainCheckpoints.resume(file, recipeMeta, model, heads, optimizer, Map.of());
        return resumed(file, st);
    }
}
