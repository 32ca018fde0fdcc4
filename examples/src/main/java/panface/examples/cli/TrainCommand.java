package panface.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.distributed.DistEnv;
import panface.distributed.GradientAllReduce;
import panface.examples.train.GifRecipeTrainer;
import panface.examples.train.LVFaceRecipe;
import panface.examples.train.PackPairs;
import panface.examples.train.PairSet;
import panface.examples.train.RecipeTrainer;
import panface.examples.train.StepTrainer;
import panface.examples.train.SyntheticIdentities;
import panface.examples.train.TrainCheckpoints;
import panface.examples.train.TrainLoop;
import panface.examples.train.Verification;
import panface.nn.data.BatchSource;
import panface.nn.data.FaceLoader;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.LoaderOptions;
import panface.nn.eval.VerificationPack;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.io.Json;

/**
 * {@code train}: the main job. Trains a small face ViT with the LVFace recipe (or a plain
 * ArcFace/CosFace baseline) on generated identities, and evaluates it on held-out identities
 * with the 10-fold verification protocol before and after training. Its last line is one JSON
 * object with both evaluations, the run's seconds and the ROC plot's file.
 */
public final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a small face ViT with the LVFace recipe on generated identities (the main job)";
    }

    @Override
    public String usage() {
        return """
                usage: panface train [--config FILE] [--RECIPE-KEY VALUE ...] [--data TRAIN.rec|DIR [--bin PACK.bin ...]
                                     [--skip-bad-records]] [--save FILE] [--save-every K] [--stop-after K]
                                     [--resume FILE] [--log-every K] [--eval-every K] [--roc FILE] [--no-progress]
                                     [--device cpu|cuda[:N]] [--autocast] [--no-overlap] [--bucket-mb M]
                                     [--grad-compression fp16|bf16]
                                     [--head fc|gif --codes CODES [--gif-k K] [--gif-l L] [--gif-heads softmax|margin]
                                      [--gif-conditioning independent|prefix]]
                  Trains a face ViT (4 heads, 112x112 input) on generated face identities with the LVFace
                  recipe: AdamW (weight decay 0.1 on every parameter), linear warm-up then polynomial
                  decay, ArcFace (s=64, m=0.5) over Partial FC sampling (rate 0.3) in the early stage,
                  then the full softmax plus EPL prototypes with the adaptive margin (k=0.7) from the
                  switch (0.4 of the steps, as the paper's 40 of 100 epochs), clipping at 5. Before and
                  after training it evaluates on identities never trained on (10-fold accuracy, TAR at
                  FAR=1e-3), writes the ROC curve as a PNG, and prints as its last line one JSON object:
                  {"before":{"accuracy":..,"tar_at_far_1e-3":..},"after":{..},"seconds":..,"roc_png":".."}.
                  --config FILE reads recipe keys from a JSON object; options of the same names (with
                  '-' for '_') override it; unknown keys are an error. Recipe keys and defaults:
                    loss lvface (or arcface, cosface: Partial FC at sample_rate throughout, no switch;
                    cosface's margin defaults to 0.4), steps 1200, batch 64, identities 500,
                    images_per_identity 24, held_out 300, eval_pairs 2000, dim 64, depth 2, patch 14,
                    embedding 128, lr 0.002, weight_decay 0.1, warmup 0.1 (of the steps), power 1,
                    scale 64, margin 0.5, sample_rate 0.3, switch_at 0.4 (of the steps), switch_epoch -1
                    (>= 0: switch at that epoch of the data instead), epl_k 0.7, clip 5, seed 1.
                  --log-every prints a line every K steps (default 50; a progress bar between them on a
                  terminal unless --no-progress); --eval-every evaluates on the held-out pairs every K
                  steps. --save writes a training checkpoint (backbone, class centres, EPL prototypes,
                  optimizer, sampler and data positions, step) at the end and, with --save-every K,
                  every K steps, atomically; --stop-after K ends the run after step K (as a preempted
                  job), saving it, without the final evaluation; --resume FILE continues a saved run
                  (same recipe) exactly where it stopped. On the CPU, with the same thread count, the
                  weights equal an uninterrupted run's bit for bit (see the README's reproducibility).
                  A loss or gradient that stops being finite stops training (exit code 1) before the
                  weights change; the last checkpoint written stays as it was.
                  --device trains on a GPU; --autocast runs products and attention in bf16 there
                  (float32 master weights, float32 norms and loss). --roc FILE: default train-roc.png.
                  --data trains on your faces instead: an insightface/MXNet .rec (with its .idx and
                  property beside it) or a folder of aligned 112x112 faces with one sub-folder per
                  identity, read by the data loader (several decoding threads, per-epoch shuffling,
                  random horizontal flip, (x/255-0.5)/0.5); identities, images_per_identity, held_out
                  and eval_pairs then do not apply. --bin PACK.bin (repeatable) evaluates on insightface
                  verification packs (lfw.bin, cfp_fp.bin, ...) before and after training, the first
                  pack's results going into the JSON line; without --bin nothing is evaluated.
                  --skip-bad-records goes on past damaged records, counting them; by default a damaged
                  record stops the run naming the file, record and byte offset.
                  Data-parallel: under 'panface launch --nproc-per-node N -- train ...' (or with torchrun's RANK, WORLD_SIZE,
                  MASTER_ADDR, MASTER_PORT, or SLURM's variables) each process is one rank: the ViT replicated with averaged
                  gradients, the class centres and EPL prototypes sharded by class (Partial FC v2); batch is the global batch,
                  each rank reading batch/N of it; GPU number LOCAL_RANK with --device cuda (NCCL), CPU processes otherwise.
                  Rank 0 alone logs, evaluates and prints the JSON line; --save/--resume name a folder of one file per rank,
                  resumed on the same number of ranks. The gradients travel in buckets of M MiB (--bucket-mb, default 16), each
                  all-reduced as soon as the backward pass has finished it, overlapped with the rest of the pass; --no-overlap
                  all-reduces them after the pass instead (the same weights, bit for bit). --grad-compression sends them in
                  float16 or bfloat16 (half the bytes; the ranks' contributions summed in float32).
                  --head gif trains the same backbone, schedule and clipping with GIF identity codes instead of one
                  class per identity: L token heads of K entries each predict every image's code from the codes file
                  CODES (written by 'panface gif codes' from any backbone over the same data; it holds K and L, which
                  --gif-k/--gif-l, when given, must match). --gif-heads softmax (default: linear heads, plain
                  softmax) or margin (cosine heads with the recipe's loss/scale/margin: ArcFace s=64 m=0.5 by
                  default); --gif-conditioning independent (default) or prefix (head j also sees learned vectors
                  of the tokens before it). Partial FC, EPL and the stage switch do not apply. Checkpoints hold the
                  heads and a fingerprint of the codes, so --resume refuses other codes or head options; evaluation
                  discards the heads and uses the embedding. One process only (not under launch).""";
    }

    @Override
    public int run(Args args) throws Exception {
        long started = System.nanoTime();
        String config = args.get("config", null);
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String key : LVFaceRecipe.defaults().toMap().keySet()) {
            String v = args.get(key.replace('_', '-'), null);
            if (v != null) {
                overrides.put(key, v);
            }
        }
        int logEvery = args.getInt("log-every", 50);
        int evalEvery = args.getInt("eval-every", 0, 0, Integer.MAX_VALUE);
        String save = args.get("save", null);
        Device device = Device.parse(args.get("device", "cpu"));
        boolean autocast = args.has("autocast");
        String resume = args.get("resume", null);
        int saveEvery = args.getInt("save-every", 0, 0, Integer.MAX_VALUE);
        boolean stopping = args.get("stop-after", null) != null;
        int stopAfter = args.getInt("stop-after", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        Path roc = Path.of(args.get("roc", "train-roc.png"));
        boolean progress = !args.has("no-progress") && System.console() != null && System.console().isTerminal();
        String dataPath = args.get("data", null);
        List<String> bins = args.getAll("bin");
        boolean skipBad = args.has("skip-bad-records");
        boolean overlap = !args.has("no-overlap");
        long bucketBytes = (long) args.getInt("bucket-mb", (int) (GradientAllReduce.DEFAULT_BUCKET_BYTES >> 20), 1, 1 << 14) << 20;
        String compression = args.get("grad-compression", null);
        GifHeadArgs head = GifHeadArgs.read(args);
        args.finish();
        DType wire = switch (compression == null ? "none" : compression) {
            case "none" -> null;
            case "fp16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> throw new UsageException("--grad-compression is fp16 or bf16, got '" + compression + "'");
        };
        boolean gif = head.gif();
        if (dataPath == null && (!bins.isEmpty() || skipBad)) {
            throw new UsageException("--bin and --skip-bad-records go with --data");
        }
        List<PairSet> packs = new java.util.ArrayList<>();
        for (String b : bins) {
            packs.add(new PackPairs(VerificationPack.read(Path.of(b))));    // every pack read (and checked) before training starts
        }
        LVFaceRecipe recipe;
        DistEnv env;
        try {
            env = DistEnv.fromEnvironment();
            recipe = LVFaceRecipe.parse(config == null ? Map.of() : LVFaceRecipe.readConfig(Path.of(config)), overrides);
            if (save != null && env.worldSize() == 1) {
                TrainCheckpoints.checkWritable(Path.of(save));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (save == null && (saveEvery > 0 || stopping)) {
            throw new UsageException("--save-every and --stop-after need --save FILE");
        }
        if (logEvery <= 0) {
            throw new UsageException("log-every must be positive");
        }
        if (env.worldSize() > 1) {
            if (gif) {
                throw new UsageException("--head gif trains in one process; the data-parallel runner has the class-per-identity head only");
            }
            return DataParallelTrain.run(new DataParallelTrain.Options(recipe, device, autocast, dataPath, packs, skipBad, save, saveEvery,
                    stopping, stopAfter, resume, logEvery, evalEvery, roc, started, overlap, bucketBytes, wire), env);
        }
        if (!Backends.isAvailable(device)) {
            throw new UsageException(device + " cannot be used: " + Backends.unavailableReason(device));
        }
        try (Scope run = Scope.open(); BatchSource data = dataPath == null
                ? new SyntheticIdentities(recipe.identities(), recipe.imagesPerIdentity(), recipe.batch(), recipe.seed())
                : openData(Path.of(dataPath), recipe, skipBad)) {
            List<PairSet> evalSets = data instanceof SyntheticIdentities s ? List.of(s.heldOut(recipe.heldOut(), recipe.evalPairs(), 0)) : packs;
            PairSet heldOut = evalSets.isEmpty() ? null : evalSets.get(0);
            StepTrainer trainer;
            try {
                trainer = gif ? new GifRecipeTrainer(recipe, data, head.codes(), head.options(), device, autocast)
                        : new RecipeTrainer(recipe, data, device, autocast);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (resume != null) {
                try {
                    trainer.resume(Path.of(resume));
                } catch (TrainCheckpoints.RecipeMismatch e) {
                    throw new UsageException(e.getMessage());
                }
            }
            int last = Math.min(recipe.steps(), stopAfter);
            if (last < trainer.step()) {
                throw new UsageException("--stop-after " + stopAfter + " is before the checkpoint's step " + trainer.step());
            }
            String source = data instanceof FaceLoader l
                    ? String.format(Locale.ROOT, "%s (%d identities, %d images)", dataPath, l.numClasses(), l.dataset().size())
                    : String.format(Locale.ROOT, "%d generated identities x %d images", recipe.identities(), recipe.imagesPerIdentity());
            System.out.printf(Locale.ROOT, "face ViT D=%d depth=%d patch %d (%,d parameters), %s, %s, batch %d, %d steps, on %s%s%n",
                    recipe.dim(), recipe.depth(), recipe.patch(), trainer.model().numParameters(),
                    gif ? head.describe(recipe.loss(), recipe.scale(), recipe.margin(), ((GifRecipeTrainer) trainer).heads().numParameters())
                            : describe(recipe, trainer.switchStep()), source,
                    recipe.batch(), recipe.steps(), device, autocast ? " with bf16 autocast" : "");
            if (resume != null) {
                System.out.printf(Locale.ROOT, "resumed %s after step %d of %d%n", resume, trainer.step(), recipe.steps());
            }
            Map<String, Object> before = beforeTraining(trainer, heldOut, resume != null);
            TrainLoop loop = new TrainLoop(last, save == null ? null : Path.of(save), saveEvery, logEvery, evalEvery, evalSets,
                    progress, System.out);
            TrainLoop.Summary sum = loop.run(trainer);
            int done = Math.max(1, sum.lastStep() - sum.firstStep());
            System.out.printf(Locale.ROOT, "trained %d steps in %.1f s: %.0f ms per step, %.1f images/s%n", sum.lastStep() - sum.firstStep(),
                    sum.seconds(), 1e3 * sum.seconds() / done, sum.imagesPerSecond());
            if (save != null) {
                System.out.println("saved a training checkpoint (step " + sum.lastStep() + " of " + recipe.steps() + ") to " + save);
            }
            if (data instanceof FaceLoader l && l.skippedRecords() > 0) {
                System.out.printf(Locale.ROOT, "skipped %d damaged records (the last: %s)%n", l.skippedRecords(), l.lastSkipped());
            }
            if (stopping) {
                System.out.printf(Locale.ROOT, "stopped after step %d of %d%s%n", sum.lastStep(), recipe.steps(),
                        sum.lastStep() < recipe.steps() ? "; continue with --resume " + save : "");
                return 0;
            }
            if (heldOut == null) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("before", null);
                result.put("after", null);
                result.put("seconds", Math.round((System.nanoTime() - started) * 1e-8) / 10.0);
                result.put("roc_png", null);
                System.out.println(Json.write(result));
                return 0;
            }
            for (PairSet other : evalSets.subList(1, evalSets.size())) {
                System.out.println("after training, " + Verification.evaluate(trainer.model(), other, device, autocast).describe());
            }
            long evalStart = System.nanoTime();
            Verification.Result after = Verification.evaluate(trainer.model(), heldOut, device, autocast);
            System.out.printf(Locale.ROOT, "after training, %s; %.1f s%n", after.describe(), (System.nanoTime() - evalStart) * 1e-9);
            after.roc().writePng(roc, String.format(Locale.ROOT, "%s, %d steps: held-out accuracy %.2f%%", recipe.loss(), recipe.steps(),
                    100 * after.tenFold().accuracyMean()));
            System.out.println("ROC curve written to " + roc);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("before", before);
            result.put("after", metrics(after.tenFold().accuracyMean(), after.tarAtFar1e3()));
            result.put("seconds", Math.round((System.nanoTime() - started) * 1e-8) / 10.0);
            result.put("roc_png", roc.toString());
            System.out.println(Json.write(result));
        } catch (RecipeTrainer.Diverged e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return 0;
    }

    /** The data loader over a .rec file or an image folder, at the recipe's batch size and seed, flipping half the images. */
    private static FaceLoader openData(Path path, LVFaceRecipe recipe, boolean skipBad) throws java.io.IOException {
        LoaderOptions options = LoaderOptions.insightface(recipe.batch(), recipe.seed()).withSkipBadRecords(skipBad);
        if (java.nio.file.Files.isDirectory(path)) {
            return new FaceLoader(ImageFolderDataset.open(path), options);
        }
        return FaceLoader.open(path, options);
    }

    /** The evaluation before training: done now on a fresh run, else the one the checkpoint recorded. */
    private static Map<String, Object> beforeTraining(StepTrainer trainer, PairSet heldOut, boolean resumed) {
        if (heldOut == null) {
            return null;
        }
        String acc = trainer.metadata("eval.before.accuracy");
        String tar = trainer.metadata("eval.before.tar_at_far_1e-3");
        if (acc != null && tar != null) {
            System.out.printf(Locale.ROOT, "before training (recorded in the checkpoint): 10-fold accuracy %.2f%%, TAR@FAR=1e-3 %.2f%%%n",
                    100 * Double.parseDouble(acc), 100 * Double.parseDouble(tar));
            return metrics(Double.parseDouble(acc), Double.parseDouble(tar));
        }
        if (resumed) {
            System.out.println("before training: not recorded in the checkpoint");
            return null;
        }
        long evalStart = System.nanoTime();
        Verification.Result r = Verification.evaluate(trainer.model(), heldOut, trainer.device(), trainer.autocast());
        System.out.printf(Locale.ROOT, "before training, %s; %.1f s%n", r.describe(), (System.nanoTime() - evalStart) * 1e-9);
        trainer.putMetadata("eval.before.accuracy", Double.toString(r.tenFold().accuracyMean()));
        trainer.putMetadata("eval.before.tar_at_far_1e-3", Double.toString(r.tarAtFar1e3()));
        return metrics(r.tenFold().accuracyMean(), r.tarAtFar1e3());
    }

    static Map<String, Object> metrics(double accuracy, double tar) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", Math.round(accuracy * 1e5) / 1e5);
        m.put("tar_at_far_1e-3", Math.round(tar * 1e5) / 1e5);
        return m;
    }

    private static String describe(LVFaceRecipe r, int switchStep) {
        String margin = String.format(Locale.ROOT, "%s s=%.0f m=%.2f", r.loss().equals("cosface") ? "CosFace" : "ArcFace", r.scale(), r.margin());
        if (!r.switches()) {
            return String.format(Locale.ROOT, "%s over Partial FC (rate %.2f)", margin, r.sampleRate());
        }
        return String.format(Locale.ROOT, "LVFace: %s over Partial FC (rate %.2f), then full softmax + EPL (k=%.2f) from step %d", margin,
                r.sampleRate(), r.eplK(), switchStep + 1);
    }
}
