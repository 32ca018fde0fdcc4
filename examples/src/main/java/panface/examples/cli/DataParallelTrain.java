package panface.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.distributed.DataParallel;
import panface.distributed.DistEnv;
import panface.examples.train.LVFaceRecipe;
import panface.examples.train.PairSet;
import panface.examples.train.RecipeTrainer;
import panface.examples.train.ShardedRecipeTrainer;
import panface.examples.train.SyntheticIdentities;
import panface.examples.train.TrainCheckpoints;
import panface.examples.train.TrainLoop;
import panface.examples.train.Verification;
import panface.nn.data.BatchSource;
import panface.nn.data.FaceLoader;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.LoaderOptions;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.io.Json;

/**
 * {@code train} as one rank of a data-parallel run, when the environment describes a group of
 * more than one process ({@link DistEnv}: {@code panface launch}, torchrun-style operators or
 * SLURM). Each rank joins the group (NCCL on its GPU, the store's collectives on the CPU), reads
 * its own share of every global batch (the recipe's batch is the global one), and trains a
 * {@link ShardedRecipeTrainer}. Rank 0 alone logs, evaluates and writes the ROC plot and the
 * JSON line; the others wait for it at their next collective. {@code --save} and
 * {@code --resume} name a folder of one checkpoint file per rank, resumed on the same world size.
 */
final class DataParallelTrain {
    /** The options of the train command that this path uses. */
    record Options(LVFaceRecipe recipe, Device device, boolean autocast, String dataPath, List<PairSet> packs, boolean skipBad,
                   String save, int saveEvery, boolean stopping, int stopAfter, String resume, int logEvery, int evalEvery, Path roc,
                   long started, boolean overlap, long bucketBytes, DType compression) {
    }

    private DataParallelTrain() {
    }

    static int run(Options o, DistEnv env) throws IOException {
        LVFaceRecipe recipe = o.recipe();
        int world = env.worldSize();
        if (recipe.batch() % world != 0) {
            throw new UsageException("--batch " + recipe.batch() + " is the global batch: it must be divisible by the " + world + " ranks");
        }
        // one process per GPU: the rank's GPU is its local rank, whatever index --device named
        Device device = o.device().isCpu() ? Device.CPU : Device.cuda(env.localRank());
        if (!Backends.isAvailable(device)) {
            throw new UsageException(device + " cannot be used by local rank " + env.localRank() + ": " + Backends.unavailableReason(device));
        }
        Path save = o.save() == null ? null : Path.of(o.save());
        if (save != null && Files.exists(save) && !Files.isDirectory(save)) {
            throw new UsageException("--save " + save + " is a file; a data-parallel run saves a folder of one file per rank");
        }
        try (DataParallel dp = DataParallel.join(env, device); Scope run = Scope.open(); BatchSource data = open(o, env)) {
            dp.setOverlap(o.overlap()).setBucketBytes(o.bucketBytes()).setCompression(o.compression());
            PrintStream out = dp.isMain() ? System.out : new PrintStream(PrintStream.nullOutputStream());
            List<PairSet> evalSets = !dp.isMain() ? List.of() : data instanceof SyntheticIdentities s
                    ? List.of(s.heldOut(recipe.heldOut(), recipe.evalPairs(), 0)) : o.packs();
            PairSet heldOut = evalSets.isEmpty() ? null : evalSets.get(0);
            ShardedRecipeTrainer trainer = new ShardedRecipeTrainer(recipe, data, device, o.autocast(), dp);
            if (o.resume() != null) {
                try {
                    trainer.resume(Path.of(o.resume()));
                } catch (TrainCheckpoints.RecipeMismatch e) {
                    throw new UsageException(e.getMessage());
                }
            }
            int last = Math.min(recipe.steps(), o.stopAfter());
            if (last < trainer.step()) {
                throw new UsageException("--stop-after " + o.stopAfter() + " is before the checkpoint's step " + trainer.step());
            }
            out.printf(Locale.ROOT, "data-parallel on %d ranks (%s): face ViT D=%d depth=%d patch %d (%,d parameters), global batch %d "
                    + "(%d per rank), %d classes in %d shards, %d steps; gradient all-reduce in buckets of %s%s%s the backward pass%n", world,
                    device.isCpu() ? "CPU processes through the store" : "NCCL", recipe.dim(), recipe.depth(), recipe.patch(),
                    trainer.model().numParameters(), recipe.batch(), recipe.batch() / world, data.numClasses(), world, recipe.steps(),
                    bytes(o.bucketBytes()), o.compression() == null ? "" : ", sent in " + o.compression().name().toLowerCase(Locale.ROOT),
                    o.overlap() ? " overlapped with" : ", after");
            if (o.resume() != null) {
                out.printf(Locale.ROOT, "resumed %s after step %d of %d%n", o.resume(), trainer.step(), recipe.steps());
            }
            Map<String, Object> before = before(trainer, heldOut, o.resume() != null, out);
            // no progress bar: the launcher prefixes each rank's output lines, which a redrawn line would garble
            TrainLoop loop = new TrainLoop(last, save, o.saveEvery(), o.logEvery(), dp.isMain() ? o.evalEvery() : 0, evalSets, false, out);
            TrainLoop.Summary sum = loop.run(trainer);
            int done = Math.max(1, sum.lastStep() - sum.firstStep());
            out.printf(Locale.ROOT, "trained %d steps in %.1f s: %.0f ms per step, %.1f images/s over %d ranks%n", sum.lastStep()
                    - sum.firstStep(), sum.seconds(), 1e3 * sum.seconds() / done, sum.imagesPerSecond(), world);
            if (save != null) {
                out.println("saved a sharded training checkpoint (step " + sum.lastStep() + " of " + recipe.steps() + ", " + world
                        + " files) to " + save);
            }
            if (o.stopping()) {
                out.printf(Locale.ROOT, "stopped after step %d of %d%s%n", sum.lastStep(), recipe.steps(), sum.lastStep() < recipe.steps()
                        ? "; continue with the same launch and --resume " + save : "");
                return 0;
            }
            if (!dp.isMain()) {
                return 0;
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("before", before);
            result.put("after", null);
            result.put("seconds", null);
            result.put("roc_png", null);
            if (heldOut != null) {
                for (PairSet other : evalSets.subList(1, evalSets.size())) {
                    out.println("after training, " + Verification.evaluate(trainer.model(), other, device, o.autocast()).describe());
                }
                Verification.Result after = Verification.evaluate(trainer.model(), heldOut, device, o.autocast());
                out.println("after training, " + after.describe());
                after.roc().writePng(o.roc(), String.format(Locale.ROOT, "%s, %d steps on %d ranks: held-out accuracy %.2f%%", recipe.loss(),
                        recipe.steps(), world, 100 * after.tenFold().accuracyMean()));
                out.println("ROC curve written to " + o.roc());
                result.put("after", TrainCommand.metrics(after.tenFold().accuracyMean(), after.tarAtFar1e3()));
                result.put("roc_png", o.roc().toString());
            }
            result.put("seconds", Math.round((System.nanoTime() - o.started()) * 1e-8) / 10.0);
            out.println(Json.write(result));
            return 0;
        } catch (RecipeTrainer.Diverged e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static String bytes(long b) {
        return b % (1L << 20) == 0 ? (b >> 20) + " MiB" : b + " bytes";
    }

    /** This rank's share of the data: its block of each generated global batch, or the loader's per-rank sampler. */
    private static BatchSource open(Options o, DistEnv env) throws IOException {
        LVFaceRecipe r = o.recipe();
        if (o.dataPath() == null) {
            return new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed(), env.rank(), env.worldSize());
        }
        Path path = Path.of(o.dataPath());
        LoaderOptions options = LoaderOptions.insightface(r.batch() / env.worldSize(), r.seed()).withSkipBadRecords(o.skipBad())
                .withRank(env.rank(), env.worldSize());
        return Files.isDirectory(path) ? new FaceLoader(ImageFolderDataset.open(path), options) : FaceLoader.open(path, options);
    }

    /** The evaluation before training on rank 0: done now on a fresh run, else the one its checkpoint recorded. */
    private static Map<String, Object> before(ShardedRecipeTrainer trainer, PairSet heldOut, boolean resumed, PrintStream out) {
        if (heldOut == null) {
            return null;
        }
        String acc = trainer.metadata("eval.before.accuracy");
        String tar = trainer.metadata("eval.before.tar_at_far_1e-3");
        if (acc != null && tar != null) {
            return TrainCommand.metrics(Double.parseDouble(acc), Double.parseDouble(tar));
        }
        if (resumed) {
            out.println("before training: not recorded in the checkpoint");
            return null;
        }
        Verification.Result r = Verification.evaluate(trainer.model(), heldOut, trainer.device(), trainer.autocast());
        out.println("before training, " + r.describe());
        trainer.putMetadata("eval.before.accuracy", Double.toString(r.tenFold().accuracyMean()));
        trainer.putMetadata("eval.before.tar_at_far_1e-3", Double.toString(r.tarAtFar1e3()));
        return TrainCommand.metrics(r.tenFold().accuracyMean(), r.tarAtFar1e3());
    }
}
