package panface.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.examples.lafs.LafsPretrainer;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.data.FaceLoader;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.LoaderOptions;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.PartFViT;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * {@code panface lafs pretrain DATA --out DIR}: LAFS self-supervised pretraining of Part fViT on an
 * image folder or a .rec, without labels. The landmark CNN comes from a supervised Part fViT
 * checkpoint (--landmarks FILE, the reference's stn.* and output_layer.*); without one it is
 * random (useful only as a smoke test). Writes DIR/lafs-epochN.safetensors after each epoch with
 * the teacher under "teacher." and the student under "student." (backbone.* and head.* as the
 * reference's MultiCropWrapper).
 */
public final class LafsCommand implements Command {

    @Override
    public String name() {
        return "lafs";
    }

    @Override
    public String summary() {
        return "LAFS landmark-based self-supervised pretraining of Part fViT (lafs pretrain)";
    }

    @Override
    public String usage() {
        return """
                usage: panface lafs pretrain DATA --out DIR [options]
                  DATA                  an image folder (one sub-folder per identity) or a .rec file; labels are not used
                  --out DIR             where the per-epoch checkpoints go
                  --landmarks FILE      supervised Part fViT checkpoint whose stn.* / output_layer.* is the landmark CNN
                  --epochs N            epochs (default 41, the reference's)
                  --batch B             images per step (default 82)
                  --local-views N       local views per image (default 8)
                  --sigma S             landmark perturbation in pixels (default 5, the code; the paper's best is 2)
                  --out-dim K           DINO head outputs (default 100000)
                  --teacher MODE        stochastic (the code: dropout and drop path on) or deterministic (DINO)
                  --warmup-epochs W     linear learning-rate warm-up (default 10, the reference's, at most epochs - 1)
                  --depth D             transformer depth (default 12)
                  --seed S              (default 0)
                not yet: resume, lafs finetune, lafs demo, bf16.""";
    }

    @Override
    public int run(Args args) throws Exception {
        List<String> pos = args.positional();
        if (pos.size() != 2 || !pos.get(0).equals("pretrain")) {
            throw new UsageException("expected: lafs pretrain DATA --out DIR");
        }
        Path data = Path.of(pos.get(1));
        Path out = Path.of(args.get("out", null) == null ? fail("--out is required") : args.get("out", null));
        String landmarks = args.get("landmarks", null);
        int epochs = args.getInt("epochs", 41, 1, 100_000);
        int batch = args.getInt("batch", 82, 1, 1 << 16);
        int local = args.getInt("local-views", 8, 0, 64);
        double sigma = args.getDouble("sigma", 5, 0, 1000);
        int outDim = args.getInt("out-dim", 100_000, 2, 1 << 20);
        String teacherMode = args.get("teacher", "stochastic");
        int depth = args.getInt("depth", 12, 1, 64);
        int warmup = args.getInt("warmup-epochs", Math.min(10, epochs - 1), 0, epochs - 1);
        long seed = args.getInt("seed", 0);
        args.finish();
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
            long perEpoch = source.batchesPerEpoch();
            try (LafsPretrainer run = new LafsPretrainer(opt, lcnn, cfg, views.views(), perEpoch)) {
                long t0 = System.nanoTime();
                for (int epoch = 0; epoch < epochs; epoch++) {
                    for (long i = 0; i < perEpoch; i++) {
                        long position = source.position();
                        Batch b = source.next();
                        double loss;
                        try (Scope s = Scope.open()) {
                            loss = run.step(views.make(b, position));
                        }
                        source.recycle(b);
                        if (i % 10 == 0 || i == perEpoch - 1) {
                            System.err.printf("lafs epoch %d step %d/%d loss %.4f (%.0f s)%n", epoch, i + 1, perEpoch, loss,
                                    (System.nanoTime() - t0) / 1e9);
                        }
                    }
                    save(out.resolve("lafs-epoch" + (epoch + 1) + ".safetensors"), run, epoch + 1);
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
