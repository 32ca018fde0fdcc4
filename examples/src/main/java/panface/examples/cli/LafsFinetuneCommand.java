package panface.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.examples.lafs.FewShotDataset;
import panface.examples.lafs.LafsFinetuner;
import panface.examples.lafs.LafsLoops;
import panface.examples.train.PackPairs;
import panface.examples.train.PairSet;
import panface.examples.train.SyntheticIdentities;
import panface.examples.train.Verification;
import panface.nn.data.BatchSource;
import panface.nn.data.FaceDataset;
import panface.nn.data.FaceLoader;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.LoaderOptions;
import panface.nn.data.Mixup;
import panface.nn.data.RecordDataset;
import panface.nn.eval.VerificationPack;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.tensor.Backends;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.io.Json;

/** {@code panface lafs finetune}: supervised fine-tuning of Part fViT with its landmark CNN (see {@link LafsCommand#usage}). */
final class LafsFinetuneCommand {
    private LafsFinetuneCommand() {
    }

    /** --mixup on|off with --mixup-alpha, --mixup-prob and --smoothing (the reference's 0.2, 0.1 and 0.1 by default). */
    private static Mixup mixup(Args args, Mixup d) {
        String on = args.get("mixup", "on");
        double alpha = args.getDouble("mixup-alpha", d.alpha(), 1e-6, 1e3);
        double prob = args.getDouble("mixup-prob", d.prob(), 0, 1);
        double smoothing = args.getDouble("smoothing", d.smoothing(), 0, 0.999);
        return switch (on) {
            case "on" -> new Mixup(alpha, prob, smoothing);
            case "off" -> null;
            default -> throw new UsageException("--mixup is on or off, got " + on);
        };
    }

    static int run(Args args) throws Exception {
        long started = System.nanoTime();
        String dataPath = args.get("data", null);
        List<String> bins = args.getAll("bin");
        String init = args.get("init", null);
        String landmarks = args.get("landmarks", null);
        double fraction = args.getDouble("few-shot-fraction", 1, 1e-9, 1);
        int shots = args.getInt("few-shot-images", 0, 0, 1 << 20);
        long fewSeed = args.getInt("few-shot-seed", 0);
        String reg = args.get("regularizer", "paper");
        int epochs = args.getInt("epochs", 34, 1, 100_000);
        LafsFinetuner.Options d = LafsFinetuner.Options.paper(epochs, args.getInt("seed", 0));
        LafsFinetuner.Options opt = new LafsFinetuner.Options(args.getDouble("lr", d.lr(), 0, 1), d.minLr(),
                args.getInt("warmup-epochs", d.warmupEpochs(), 0, epochs - 1), epochs, args.getDouble("layer-decay", d.layerDecay(), 1e-6, 1),
                d.weightDecay(), d.landmarkDecay(), d.scale(), args.getDouble("margin", d.margin(), 0, 1), regularizer(reg),
                args.getDouble("beta", d.beta(), 0, 1e6), mixup(args, d.mixup()), d.seed());
        int batch = args.getInt("batch", 64, 1, 1 << 16);
        int accumulate = args.getInt("accumulate", 1, 1, 1 << 16);
        PartFViT.Config base = PartFViT.Config.lafs(true);
        PartFViT.Config cfg = new PartFViT.Config(base.numPatches(), base.patchSize(), args.getInt("dim", base.dim(), 1, 1 << 14),
                args.getInt("depth", base.depth(), 1, 64), args.getInt("heads", base.heads(), 1, 256),
                args.getInt("head-dim", base.headDim(), 1, 1024),
                args.getInt("mlp-dim", base.mlpDim(), 1, 1 << 16), base.dropout(), base.embDropout(), base.dropPath(), true);
        int identities = args.getInt("identities", 100, 2, 1 << 20);
        int perIdentity = args.getInt("images-per-identity", 4, 1, 1 << 16);
        int heldOut = args.getInt("held-out", 100, 2, 1 << 20);
        int pairs = args.getInt("eval-pairs", 1000, 20, 1 << 24);
        String save = args.get("save", null);
        int saveEvery = args.getInt("save-every", 0, 0, Integer.MAX_VALUE);
        int stopAfter = args.getInt("stop-after", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        String resume = args.get("resume", null);
        int logEvery = args.getInt("log-every", 20, 1, Integer.MAX_VALUE);
        Device device = Device.parse(args.get("device", "cpu"));
        boolean autocast = args.has("autocast");
        args.finish();
        if (opt.mixup() != null && batch % 2 != 0) {
            throw new UsageException("--mixup pairs each batch with itself reversed: --batch must be even, got " + batch + " (or --mixup off)");
        }
        if (dataPath == null && (!bins.isEmpty() || fraction < 1 || shots > 0)) {
            throw new UsageException("--bin and --few-shot-* go with --data (generated identities take --identities and --images-per-identity)");
        }
        if (!Backends.isAvailable(device)) {
            throw new UsageException(device + " cannot be used: " + Backends.unavailableReason(device));
        }
        List<PairSet> packs = new ArrayList<>();
        for (String b : bins) {
            packs.add(new PackPairs(VerificationPack.read(Path.of(b))));
        }
        try (Scope run = Scope.open(); BatchSource data = dataPath == null ? new SyntheticIdentities(identities, perIdentity, batch, opt.seed())
                : open(Path.of(dataPath), fraction, shots, fewSeed, batch, opt.seed())) {
            List<PairSet> evalSets = data instanceof SyntheticIdentities s ? List.of(s.heldOut(heldOut, pairs, 0)) : packs;
            // an epoch is one pass over the data: with accumulation, fewer optimizer steps
            long stepsPerEpoch = Math.max(1, data.batchesPerEpoch() / accumulate);
            try (LafsFinetuner t = new LafsFinetuner(opt, cfg, g -> new LandmarkCnn(cfg.numPatches(), g), data.numClasses(), stepsPerEpoch,
                    device, autocast)) {
                finetune(t, data, evalSets, new Run(init, landmarks, resume, save, saveEvery, stopAfter, logEvery, started, device, cfg, batch,
                        accumulate, stepsPerEpoch, reg));
            }
        }
        return 0;
    }

    /** A run's command-line choices beyond the trainer's options. */
    private record Run(String init, String landmarks, String resume, String save, int saveEvery, int stopAfter, int logEvery, long started,
                       Device device, PartFViT.Config cfg, int batch, int accumulate, long stepsPerEpoch, String reg) {
    }

    private static void finetune(LafsFinetuner t, BatchSource data, List<PairSet> evalSets, Run run) throws IOException {
        String init = run.init();
        String landmarks = run.landmarks();
        String resume = run.resume();
        String save = run.save();
        Device device = run.device();
        PartFViT.Config cfg = run.cfg();
        LafsFinetuner.Options opt = t.options();
        int epochs = opt.epochs();
        if (resume != null) {
            LafsLoops.resume(t, data, run.accumulate(), Path.of(resume));
            System.out.printf(Locale.ROOT, "resumed %s after step %d%n", resume, t.iteration());
        } else {
            t.initialize(init == null ? null : LafsCheckpoints.network(Path.of(init), "teacher"),
                    landmarks == null ? null : LafsCheckpoints.network(Path.of(landmarks), ""));
            if (init == null) {
                System.err.println("lafs finetune: no --init; Part fViT starts random (fine-tuning from scratch)");
            }
            if (landmarks == null) {
                System.err.println("lafs finetune: no --landmarks; the landmark CNN starts random");
            }
        }
        long total = run.stepsPerEpoch() * epochs;
        long until = Math.min(total, run.stopAfter());
        System.out.printf(Locale.ROOT, "LAFS fine-tuning: Part fViT D=%d depth %d (%,d parameters), %d identities, %d steps of %d%s, "
                + "lr %.2e with layer decay %.2f, regulariser %s%n", cfg.dim(), cfg.depth(), t.model().numParameters(), data.numClasses(),
                total, run.batch(), run.accumulate() > 1 ? " x " + run.accumulate() + " accumulated" : "", opt.lr(), opt.layerDecay(),
                run.reg());
        LafsLoops.finetune(t, data, until, run.accumulate(), new LafsLoops.Saving(save == null ? null : Path.of(save), run.saveEvery(),
                run.logEvery(), System.out));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("steps", t.iteration());
        for (PairSet set : evalSets) {
            Verification.Result r = Verification.evaluate(t.model(), set, device, false);
            System.out.println("after fine-tuning, " + r.describe());
            result.putIfAbsent("after", TrainCommand.metrics(r.tenFold().accuracyMean(), r.tarAtFar1e3()));
        }
        result.put("seconds", Math.round((System.nanoTime() - run.started()) * 1e-8) / 10.0);
        System.out.println(Json.write(result));
    }

    static LafsFinetuner.Regularizer regularizer(String name) throws UsageException {
        return switch (name) {
            case "paper" -> LafsFinetuner.Regularizer.PAPER;
            case "code" -> LafsFinetuner.Regularizer.CODE;
            case "off" -> LafsFinetuner.Regularizer.OFF;
            default -> throw new UsageException("--regularizer is paper, code or off, not " + name);
        };
    }

    /** The loader over a .rec or an image folder, cut to the few-shot subset when asked. */
    private static FaceLoader open(Path path, double fraction, int shots, long fewSeed, int batch, long seed) throws IOException {
        FaceDataset all = Files.isDirectory(path) ? ImageFolderDataset.open(path) : RecordDataset.open(path);
        FaceDataset data = fraction < 1 || shots > 0 ? FewShotDataset.of(all, fraction, shots, fewSeed) : all;
        return new FaceLoader(data, LoaderOptions.insightface(batch, seed));
    }
}
