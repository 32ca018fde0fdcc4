package panface.examples.lafs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import panface.faceloss.CombinedMarginHead;
import panface.faceloss.LandmarkRegularizer;
import panface.faceloss.Margin;
import panface.faceloss.SoftTargetCosFace;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.data.Mixup;
import panface.nn.io.Checkpoint;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LafsFinetuneGroups;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.LandmarkPatches;
import panface.nn.lafs.PartFViT;
import panface.nn.optim.AdamW;
import panface.nn.optim.LrSchedule;
import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * One LAFS fine-tuning run's state and step: Part fViT with a trainable landmark CNN, a CosFace
 * head over all identities, and (unless switched off) the landmark regulariser against a frozen
 * copy of the landmark CNN as it was at the start. With {@link Mixup} the reference's batch mixup
 * and label smoothing are applied to each micro-batch and the identity loss is CosFace against the
 * soft targets ({@link SoftTargetCosFace}). AdamW over {@link LafsFinetuneGroups}: the
 * layer-wise learning-rate decay is applied through each group's lr scale, weight decay per
 * group; the learning rate warms up linearly, then follows a cosine to minLr, per iteration.
 *
 * <p>{@link #save} writes everything a step depends on (model, head, frozen landmark CNN,
 * optimizer moments, the dropout generators' positions, the iteration); {@link #resume} restores
 * it, so a resumed run continues bit for bit on the CPU with the reproducible kernels.
 */
public final class LafsFinetuner implements AutoCloseable {
    /** How the landmark regulariser's beta is chosen. */
    public enum Regularizer {
        /** The paper's constant beta (Eq. 7, 0.1 best). */
        PAPER,
        /** The released code's epoch schedule (1000, 100, 1, 0.11, 0). */
        CODE,
        /** No regulariser (the released code's default). */
        OFF
    }

    /**
     * The settings.
     *
     * @param lr           peak learning rate (before the layer scales)
     * @param minLr        the cosine's end
     * @param warmupEpochs linear warm-up epochs
     * @param epochs       epochs of the run
     * @param layerDecay   layer-wise lr decay (0.58 in the paper; 1 switches it off)
     * @param weightDecay  weight decay of weights of 2 or more dimensions
     * @param landmarkDecay weight decay of the landmark CNN's weights
     * @param scale        CosFace s
     * @param margin       CosFace m
     * @param regularizer  how beta is chosen
     * @param beta         the constant beta of {@link Regularizer#PAPER}
     * @param mixup        batch mixup with label smoothing, or null for hard labels
     * @param seed         seeds the head's initialisation, the dropout streams and mixup
     */
    public record Options(double lr, double minLr, int warmupEpochs, int epochs, double layerDecay, double weightDecay, double landmarkDecay,
                          double scale, double margin, Regularizer regularizer, double beta, Mixup mixup, long seed) {
        /**
         * The paper's settings (lr 1e-4, LLRD 0.58, beta 0.1 constant) with the code's schedule shape
         * (warm-up 5, cosine to 1e-6) and mixup (alpha 0.2, probability 0.1, smoothing 0.1).
         */
        public static Options paper(int epochs, long seed) {
            return new Options(1e-4, 1e-6, Math.min(5, epochs - 1), epochs, LafsFinetuneGroups.PAPER_DECAY, 0.1, 0.05, 64, 0.4,
                    Regularizer.PAPER, 0.1, Mixup.lafs(), seed);
        }

        /** The settings as checkpoint metadata (a resumed run must have the same). */
        Map<String, String> entries() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("lafs.finetune.lr", Double.toString(lr));
            m.put("lafs.finetune.min_lr", Double.toString(minLr));
            m.put("lafs.finetune.warmup_epochs", Integer.toString(warmupEpochs));
            m.put("lafs.finetune.epochs", Integer.toString(epochs));
            m.put("lafs.finetune.layer_decay", Double.toString(layerDecay));
            m.put("lafs.finetune.weight_decay", Double.toString(weightDecay));
            m.put("lafs.finetune.landmark_decay", Double.toString(landmarkDecay));
            m.put("lafs.finetune.scale", Double.toString(scale));
            m.put("lafs.finetune.margin", Double.toString(margin));
            m.put("lafs.finetune.regularizer", regularizer.name());
            m.put("lafs.finetune.beta", Double.toString(beta));
            m.put("lafs.finetune.seed", Long.toString(seed));
            if (mixup != null) {
                // only when on, so checkpoints of runs without mixup still resume
                m.put("lafs.finetune.mixup", mixup.alpha() + "," + mixup.prob() + "," + mixup.smoothing());
            }
            return m;
        }
    }

    /** One step's outcome: its number (from 1) and epoch (from 0), the total loss, its identity and landmark parts, lr and beta. */
    public record StepResult(long step, int epoch, double loss, double identityLoss, double landmarkLoss, double lr, double beta) {
    }

    private final Options opt;
    private final Device device;
    private final boolean autocast;
    private final Generator landmarkGen;
    private final Generator modelGen;
    private final Generator mixupGen;
    private final LandmarkCnn frozen;
    private final PartFViT model;
    private final CombinedMarginHead head;
    private final LandmarkRegularizer regularizer;
    private final AdamW optimizer;
    private final LrSchedule lr;
    private final long stepsPerEpoch;
    private final Scope home = Scope.detached();
    private long iteration;

    /**
     * A run over numClasses identities; landmarks builds a landmark CNN of the wanted shape from a
     * generator (called twice: the trainable one and the frozen copy). The model starts random:
     * {@link #initialize} loads pretrained weights.
     */
    public LafsFinetuner(Options opt, PartFViT.Config config, Function<Generator, LandmarkCnn> landmarks, int numClasses, long stepsPerEpoch,
                         Device device) {
        this(opt, config, landmarks, numClasses, stepsPerEpoch, device, false);
    }

    /**
     * The same with autocast: Part fViT and the CosFace head's product run their products and
     * attention in bf16 on the device, parameters and optimizer state staying float32 (PyTorch's
     * autocast rules; the reference fine-tunes in fp16). The landmark CNNs stay float32: bf16's 8
     * bits would put the landmarks on a half-pixel grid at 100 pixels.
     */
    public LafsFinetuner(Options opt, PartFViT.Config config, Function<Generator, LandmarkCnn> landmarks, int numClasses, long stepsPerEpoch,
                         Device device, boolean autocast) {
        this.autocast = autocast;
        if (!config.withLandmarks()) {
            throw new IllegalArgumentException("fine-tuning trains the landmark CNN: the config must have landmarks");
        }
        this.opt = opt;
        this.device = device;
        Generator root = new Generator(opt.seed());
        this.landmarkGen = root.fork(1);
        this.modelGen = root.fork(3);
        this.mixupGen = root.fork(5);
        LandmarkCnn trainable = landmarks.apply(landmarkGen);
        this.frozen = landmarks.apply(root.fork(2));
        this.model = new PartFViT(config, trainable, modelGen);
        this.head = new CombinedMarginHead(numClasses, config.dim(), Margin.cosFace(opt.scale(), opt.margin()), root.fork(4));
        frozen.loadStateDict(trainable.stateDict(), true);
        frozen.eval();
        for (Parameter p : frozen.parameters()) {
            p.requiresGrad(false);
        }
        model.to(device);
        head.to(device);
        frozen.to(device);
        this.regularizer = switch (opt.regularizer()) {
            case PAPER -> new LandmarkRegularizer(LandmarkRegularizer.Schedule.PAPER, opt.beta(), trainable.extent());
            case CODE -> new LandmarkRegularizer(LandmarkRegularizer.Schedule.CODE, 0, trainable.extent());
            case OFF -> null;
        };
        // the decay per group is the optimizer's (decoupled, scaled with the group's learning rate as BEiT's)
        this.optimizer = home.within(() -> new AdamW(LafsFinetuneGroups.groups(model, List.of(head.weight()), opt.layerDecay(),
                opt.weightDecay(), opt.landmarkDecay()), opt.lr()));
        this.stepsPerEpoch = stepsPerEpoch;
        this.lr = LrSchedule.warmupCosine(opt.lr(), stepsPerEpoch * opt.warmupEpochs(), stepsPerEpoch * opt.epochs(), opt.minLr());
    }

    /**
     * Loads pretrained weights: the Part fViT backbone (without landmark CNN keys, such as the LAFS
     * teacher's) and the landmark CNN (stn.* and output_layer.*, from a supervised Part fViT) into
     * both the trainable landmark CNN and its frozen copy; either may be null to keep the random start.
     */
    public void initialize(Map<String, Tensor> backbone, Map<String, Tensor> landmarks) {
        if (iteration > 0) {
            throw new IllegalStateException("initialize before the first step");
        }
        try (var g = GradMode.noGrad()) {
            if (landmarks != null) {
                LafsCheckpoints.loadLandmarkCnn(model.landmarkCnn(), landmarks);
                LafsCheckpoints.loadLandmarkCnn(frozen, landmarks);
            }
            if (backbone != null) {
                Map<String, Tensor> state = new LinkedHashMap<>(backbone);
                model.landmarkCnn().stateDict().forEach((k, v) -> state.putIfAbsent(k, v));
                LafsCheckpoints.loadBackbone(model, state);
            }
        }
    }

    public Options options() {
        return opt;
    }

    public PartFViT model() {
        return model;
    }

    public CombinedMarginHead head() {
        return head;
    }

    /** The frozen copy of the landmark CNN the regulariser compares with. */
    public LandmarkCnn frozenLandmarks() {
        return frozen;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** Iterations done. */
    public long iteration() {
        return iteration;
    }

    /** The epoch of the next step (from 0). */
    public int epoch() {
        return (int) (iteration / stepsPerEpoch);
    }

    /** One step on images (N, 3, H, W) in [-1, 1] and their labels (N). */
    public StepResult step(Tensor images, Tensor labels) {
        return step(List.of(images), List.of(labels));
    }

    /**
     * One step with gradient accumulation: each micro-batch (images (n_i, 3, H, W) in [-1, 1] and
     * labels (n_i)) runs forward and backward on its own with its loss weighted by n_i / sum n, and
     * the optimizer steps once on the summed gradients, so the step is the one of the concatenated
     * batch up to rounding, except where the landmark CNN's batch normalisation, in training mode,
     * takes its statistics per micro-batch (as the reference's accumulation does) and dropout
     * draws its masks per micro-batch. The returned losses are the weighted sums.
     */
    public StepResult step(List<Tensor> images, List<Tensor> labels) {
        if (images.isEmpty() || images.size() != labels.size()) {
            throw new IllegalArgumentException("a step needs as many label tensors as image tensors, at least one, got " + images.size()
                    + " and " + labels.size());
        }
        int epoch = epoch();
        double rate = lr.lr(iteration);
        double beta = regularizer == null ? 0 : regularizer.beta(epoch);
        long total = 0;
        for (Tensor x : images) {
            total += x.size(0);
        }
        double value = 0;
        double identity = 0;
        double landmark = 0;
        optimizer.setLearningRate(rate);
        optimizer.zeroGrad();
        for (int i = 0; i < images.size(); i++) {
            double w = (double) images.get(i).size(0) / total;
            try (Scope s = Scope.open()) {
                Tensor x = images.get(i).to(device);
                Tensor y = labels.get(i).to(device);
                Tensor soft = null;
                if (opt.mixup() != null) {
                    Mixup.Mixed mixed = opt.mixup().apply(x, labels.get(i), head.weight().data().size(0), mixupGen);
                    x = mixed.images();
                    soft = mixed.targets();
                }
                Tensor loss;
                Tensor id;
                // the landmark CNNs run in float32 even under autocast: bf16 keeps 8 bits, half a pixel at 100 pixels
                Tensor r = model.landmarkCnn().forward(x);
                try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                    int p = model.config().patchSize();
                    int keep = (x.size(2) / p) * (x.size(2) / p);
                    Tensor emb = model.forwardTokens(LandmarkPatches.extract(x, r.narrow(1, 0, keep), p));
                    id = soft == null ? head.loss(emb, y) : SoftTargetCosFace.loss(emb, soft, head.weight().data(), opt.scale(), opt.margin());
                    loss = id;
                }
                if (regularizer != null) {
                    Tensor fixed;
                    try (var g = GradMode.noGrad()) {
                        fixed = frozen.forward(x);
                    }
                    Tensor reg = regularizer.loss(fixed, r, epoch);
                    landmark += w * reg.item();
                    loss = loss.add(reg);
                }
                double part = loss.item();
                if (!Double.isFinite(part)) {
                    throw new IllegalStateException("LAFS fine-tuning diverged at step " + (iteration + 1) + ": the loss is " + part);
                }
                value += w * part;
                identity += w * id.item();
                (w == 1 ? loss : loss.mul(w)).backward();
            }
        }
        try (Scope s = Scope.open()) {
            optimizer.step();
            optimizer.zeroGrad();
        }
        iteration++;
        return new StepResult(iteration, epoch, value, identity, landmark, rate, beta);
    }

    /** Saves the whole training state with extra metadata (such as the data position). */
    public void save(Path file, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(entries());
        meta.put("recipe", "panface lafs finetune");
        meta.putAll(extra);
        Checkpoint.save(file, modules(), optimizer, generators(), iteration, meta);
    }

    /** Restores a saved state of a run with the same options; returns the checkpoint's metadata. */
    public Map<String, String> resume(Path file) throws IOException {
        Checkpoint.State st = Checkpoint.load(file);
        LafsResume.checkEntries(file, entries(), st.metadata(), OPTIONAL_ENTRIES);
        try (var g = GradMode.noGrad()) {
            Checkpoint.restore(st, modules(), optimizer, generators());
        }
        iteration = st.step();
        return st.metadata();
    }

    /** The entries written only when not at their defaults (mixup off, autocast off). */
    private static final Set<String> OPTIONAL_ENTRIES = Set.of("lafs.finetune.mixup", "lafs.finetune.autocast");

    /** The options as metadata, with autocast when on (so states saved before it was an option still resume). */
    private Map<String, String> entries() {
        Map<String, String> m = opt.entries();
        if (autocast) {
            m.put("lafs.finetune.autocast", "bf16");
        }
        return m;
    }

    private Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("head", head);
        m.put("frozen_landmarks", frozen);
        return m;
    }

    private Map<String, Generator> generators() {
        Map<String, Generator> g = new LinkedHashMap<>();
        g.put("landmarks", landmarkGen);
        g.put("model", modelGen);
        if (opt.mixup() != null) {
            g.put("mixup", mixupGen);
        }
        return g;
    }

    /** Frees the optimizer's state. */
    @Override
    public void close() {
        home.close();
    }
}
