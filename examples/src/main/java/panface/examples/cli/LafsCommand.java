package panface.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.examples.lafs.LafsLoops;
import panface.examples.lafs.LafsPretrainer;
import panface.nn.data.BatchSource;
import panface.nn.data.FaceLoader;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.LoaderOptions;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.tensor.Backends;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * {@code panface lafs pretrain DATA --out DIR}: LAFS self-supervised pretraining of Part fViT on an
 * image folder or a .rec, without labels ({@code lafs finetune} and {@code lafs demo} are
 * {@link LafsFinetuneCommand} and {@link LafsDemoCommand}). The landmark CNN comes from a supervised Part fViT
 * checkpoint (--landmarks FILE, the reference's stn.* and output_layer.*); without one it is
 * random (useful only as a smoke test). Writes DIR/lafs-epochN.safetensors after each epoch with
 * the teacher under "teacher." and the student under "student." (backbone.* and head.* as the
 * reference's MultiCropWrapper).
 */
public final class LafsCommand implements Command {
    /** The pretraining's training-state file in its output folder. */
    static final String STATE = "lafs-state.safetensors";

    @Override
    public String name() {
        return "lafs";
    }

    @Override
    public String summary() {
        return "LAFS: landmark-based self-supervised pretraining and fine-tuning of Part fViT (lafs pretrain|finetune|demo)";
    }

    @Override
    public String usage() {
        return """
                usage: panface lafs pretrain DATA --out DIR [options]
                       panface lafs finetune [--data TRAIN.rec|DIR [--bin PACK.bin ...]] [options]
                       panface lafs demo [--seed S] [options]

                pretrain: self-supervised (DINO with landmark patches), labels unused.
                  DATA                  an image folder (one sub-folder per identity) or a .rec file
                  --out DIR             per-epoch weights DIR/lafs-epochN.safetensors (teacher./student.) and the training
                                        state DIR/lafs-state.safetensors (every epoch, and every --save-every K steps)
                  --landmarks FILE      supervised Part fViT checkpoint whose stn.* / output_layer.* is the landmark CNN
                  --epochs N            epochs (default 41, the reference's)
                  --batch B             images per step (default 82)
                  --accumulate K        gradients of K batches of B per optimizer step, the DINO centre moved once by
                                        their mean; an epoch is still one pass over the data
                  --local-views N       local views per image (default 8)
                  --sigma S             landmark perturbation in pixels (default 5, the code; the paper's best is 2)
                  --out-dim K           DINO head outputs (default 100000)
                  --teacher MODE        stochastic (the code: dropout and drop path on) or deterministic (DINO)
                  --warmup-epochs W     linear learning-rate warm-up (default 10, the reference's, at most epochs - 1)
                  --depth D             transformer depth (default 12)
                  --resume FILE         continue a saved state (same options and data) exactly where it stopped
                  --stop-after K        stop after step K (as a preempted job), saving the state
                  --seed S              (default 0)
                  --device cpu|cuda[:N] --autocast   train on a GPU; student and teacher in bf16 autocast (float32
                                        master weights; the frozen landmark CNN stays float32)

                finetune: Part fViT + trainable landmark CNN + CosFace (s=64, m=0.4) over every identity, AdamW with
                  layer-wise lr decay applied to the groups (lr scale decay^(depth+1-layer); landmark CNN and embeddings
                  layer 0, the head depth+1), weight decay 0.1 (0.05 landmark CNN, 0 for 1-D), warm-up then cosine to 1e-6.
                  Without --data: generated identities, evaluated on held-out ones; --bin packs evaluate after training.
                  --init FILE           LAFS pretraining weights (its teacher: lafs-epochN.safetensors, lafs-state, or the
                                        reference's .pth); without it Part fViT starts random (from scratch)
                  --landmarks FILE      supervised Part fViT checkpoint for the landmark CNN (and its frozen copy)
                  --regularizer R       paper (default: beta constant, the paper's Eq. 7 with its best beta 0.1), code (the
                                        released code's epoch schedule 1000/100/1/0.11/0, tied to its 34 epochs) or off
                                        (the released code's default)
                  --beta B              the constant beta (default 0.1)
                  --mixup on|off        the reference's batch mixup with label smoothing and CosFace against the soft
                                        targets (default on); --mixup-alpha A (0.2) --mixup-prob P (0.1) --smoothing S (0.1);
                                        mixup pairs each batch with itself reversed, so B must be even
                  --few-shot-fraction F fraction of identities (the paper: 0.01, 0.1; default 1)
                  --few-shot-images K   images per identity (the paper: 1, 2, 4, 10; default 0 = all)
                  --few-shot-seed S     which identities and images (deterministic; default 0)
                  --lr LR               peak lr (default 1e-4, the paper's; the released code's formula gives ~2.3e-3)
                  --layer-decay D       (default 0.58, the paper's; 1 turns it off)
                  --epochs N (34) --warmup-epochs W (5) --batch B (64) --margin M (0.4) --seed S (0)
                  --accumulate K        gradients of K batches of B per optimizer step (the reference: 3); an epoch is still
                                        one pass over the data; batch normalisation keeps per-batch statistics
                  --dim --depth --heads --head-dim --mlp-dim   Part fViT shape (default the reference's 768/12/11/64/2048)
                  --identities N --images-per-identity K --held-out N --eval-pairs N   generated data (100, 4, 100, 1000)
                  --save FILE [--save-every K] [--stop-after K] [--resume FILE] [--log-every K] [--device cpu|cuda]
                  --autocast            Part fViT and the head's products and attention in bf16 (float32 master weights;
                                        the landmark CNNs stay float32)
                  Last line: {"steps":..,"after":{"accuracy":..,"tar_at_far_1e-3":..},"seconds":..}.

                demo: on generated identities: the landmark CNN fitted to the faces' ground-truth landmarks (no identity
                  labels), then frozen; LAFS pretraining without labels; 1-shot fine-tuning of the teacher, against the
                  same fine-tuning from a random Part fViT (same landmark CNN, head start, batches, learning rates); all
                  evaluated on held-out identities, the teacher also before fine-tuning. Last line one JSON object.
                  --seed S (1) --zoom Z (framing of the generated faces: 1 leaves a wide border of background, larger
                  crops closer to the inner face; 1.6) --landmark-steps N (200, 0 keeps it random) --landmark-lr LR (1e-2)
                  --pretrain-identities N (200) --pretrain-images K (4) --pretrain-steps N (960) --local-views N (2)
                  --momentum M (teacher momentum start, 0.99) --teacher-temperature T (constant, 0.04)
                  --prototypes K (DINO head outputs, 256) --pretrain-lr LR (5e-4) --teacher stochastic|deterministic
                  (stochastic: dropout and drop path on, as the LAFS code) --freeze-last-layer E (epochs of 4, 1)
                  --view-nuisances on|off (every view its own lighting, occluder and background outside the landmarks'
                  face ellipse; on) --view-nuisance-scale S (their ranges and probabilities times S, 0 to 1; 1)
                  --track-pairs on|off (second global view from another image of the same identity,
                  as two frames of one unlabelled track; a diagnostic, off)
                  --centering ema|sinkhorn (the teacher's running centre, LAFS's; or DINOv2's Sinkhorn-Knopp over the
                  batch; ema) --head-bn on|off (batch normalisation in the DINO heads' hidden layers, DINO's
                  use_bn_in_head; off) --diagnose N (every N pretraining steps: the teacher's and student's entropies,
                  the features' common share, prototype spread, gradient and update norms per part; the teacher's
                  held-out verification every 4N; 0, off) --token-init-std S (standard deviation of the Part fViT's
                  class token and positional embeddings at initialisation, both arms; 0.02, timm's; the reference's is 1)
                  --paired-start on|off (the scratch arm starts from the weights the pretraining started from, so the
                  arms differ only by the pretraining; off draws its own random Part fViT; on)
                  --pretraining lafs|supervised (stage 2: LAFS without labels, or, as a bound on what any pretraining on
                  those images could give, the fine-tuning's supervised recipe on them with their labels; lafs)
                  --few-identities N (64) --few-images K (1)
                  --finetune-steps N (100) --batch B (32) --held-out N (200) --eval-pairs N (3000)""";
    }

    @Override
    public int run(Args args) throws Exception {
        List<String> pos = args.positional();
        if (pos.size() == 1 && pos.get(0).equals("finetune")) {
            return LafsFinetuneCommand.run(args);
        }
        if (pos.size() == 1 && pos.get(0).equals("demo")) {
            return LafsDemoCommand.run(args);
        }
        if (pos.size() != 2 || !pos.get(0).equals("pretrain")) {
            throw new UsageException("expected: lafs pretrain DATA --out DIR, lafs finetune [options] or lafs demo [options]");
        }
        Path data = Path.of(pos.get(1));
        Path out = Path.of(args.get("out", null) == null ? fail("--out is required") : args.get("out", null));
        String landmarks = args.get("landmarks", null);
        int epochs = args.getInt("epochs", 41, 1, 100_000);
        int batch = args.getInt("batch", 82, 1, 1 << 16);
        int accumulate = args.getInt("accumulate", 1, 1, 1 << 16);
        int local = args.getInt("local-views", 8, 0, 64);
        double sigma = args.getDouble("sigma", 5, 0, 1000);
        int outDim = args.getInt("out-dim", 100_000, 2, 1 << 20);
        String teacherMode = args.get("teacher", "stochastic");
        int depth = args.getInt("depth", 12, 1, 64);
        int warmup = args.getInt("warmup-epochs", Math.min(10, epochs - 1), 0, epochs - 1);
        long seed = args.getInt("seed", 0);
        int saveEvery = args.getInt("save-every", 0, 0, Integer.MAX_VALUE);
        int stopAfter = args.getInt("stop-after", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        String resume = args.get("resume", null);
        Device device = Device.parse(args.get("device", "cpu"));
        boolean autocast = args.has("autocast");
        args.finish();
        if (!Backends.isAvailable(device)) {
            throw new UsageException(device + " cannot be used: " + Backends.unavailableReason(device));
        }
        LafsPretrainer.TeacherMode mode = switch (teacherMode) {
            case "stochastic" -> LafsPretrainer.TeacherMode.STOCHASTIC;
            case "deterministic" -> LafsPretrainer.TeacherMode.DETERMINISTIC;
            default -> throw new UsageException("--teacher is stochastic or deterministic, not " + teacherMode);
        };
        Files.createDirectories(out);
        LoaderOptions lo = LoaderOptions.insightface(batch, seed).withAugmentations(List.of());
        try (BatchSource source = Files.isDirectory(data) ? new FaceLoader(ImageFolderDataset.open(data), lo) : FaceLoader.open(data, lo)) {
            Generator gen = new Generator(seed);
            LandmarkCnn lcnn = new LandmarkCnn(196, gen);
            if (landmarks != null) {
                LafsCheckpoints.loadLandmarkCnn(lcnn, LafsCheckpoints.network(Path.of(landmarks), ""));
            } else {
                System.err.println("lafs: no --landmarks; the landmark CNN is random");
            }
            PartFViT.Config base = PartFViT.Config.lafs(false);
            PartFViT.Config cfg = new PartFViT.Config(base.numPatches(), base.patchSize(), base.dim(), depth, base.heads(), base.headDim(),
                    base.mlpDim(), base.dropout(), base.embDropout(), base.dropPath(), false);
            LafsPretrainer.Options d = LafsPretrainer.Options.lafs(batch, epochs, seed);
            LafsPretrainer.Options opt = new LafsPretrainer.Options(outDim, d.headHidden(), d.headBottleneck(), sigma, d.localLandmarks(),
                    d.baseLr(), d.minLr(), warmup, epochs, d.wdStart(), d.wdEnd(), d.clip(), d.freezeLastLayerEpochs(),
                    d.momentumStart(), mode, seed);
            LafsViews views = new LafsViews(112, local, seed);
            // an epoch is one pass over the data: with accumulation, fewer optimizer steps
            long perEpoch = Math.max(1, source.batchesPerEpoch() / accumulate);
            try (LafsPretrainer run = new LafsPretrainer(opt, LafsPretrainer.Temperatures.LAFS, lcnn, cfg, views.views(), perEpoch, device,
                    autocast)) {
                if (resume != null) {
                    LafsLoops.resume(run, source, accumulate, Path.of(resume));
                    System.err.printf("lafs: resumed %s after step %d%n", resume, run.iteration());
                }
                long until = Math.min(perEpoch * epochs, stopAfter);
                LafsLoops.Saving saving = new LafsLoops.Saving(out.resolve(STATE), saveEvery, 10, System.err);
                while (run.iteration() < until) {
                    long epochEnd = Math.min(until, (run.iteration() / perEpoch + 1) * perEpoch);
                    LafsLoops.pretrain(run, views, source, epochEnd, accumulate, saving);
                    if (epochEnd % perEpoch == 0) {
                        save(out.resolve("lafs-epoch" + epochEnd / perEpoch + ".safetensors"), run, (int) (epochEnd / perEpoch));
                    }
                }
            }
        }
        return 0;
    }

    private static void save(Path file, LafsPretrainer run, int epoch) throws java.io.IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        run.teacher().stateDict().forEach((k, v) -> t.put("teacher.backbone." + k, v));
        run.teacherHead().stateDict().forEach((k, v) -> t.put("teacher.head." + k, v));
        run.student().stateDict().forEach((k, v) -> t.put("student.backbone." + k, v));
        run.studentHead().stateDict().forEach((k, v) -> t.put("student.head." + k, v));
        t.put("dino_loss.center", run.loss().center());
        Safetensors.save(file, t, Map.of("epoch", Integer.toString(epoch)));
    }

    private static String fail(String message) throws UsageException {
        throw new UsageException(message);
    }
}
