package panface.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.examples.distill.DatasetImages;
import panface.examples.distill.DistillDemo;
import panface.examples.distill.Distiller;
import panface.examples.distill.FrozenTeacher;
import panface.examples.distill.TeacherCache;
import panface.examples.train.TrainCheckpoints;
import panface.faceloss.QueueInfoNce;
import panface.nn.Module;
import panface.nn.data.FaceDataset;
import panface.nn.data.ImageFolderDataset;
import panface.nn.data.RecordDataset;
import panface.nn.eval.FlipEmbedder;
import panface.nn.eval.VerificationPack;
import panface.nn.eval.VerificationResult;
import panface.nn.models.Models;
import panface.tensor.Scope;

/**
 * {@code distill}: QUD, queue-based unsupervised knowledge distillation from a frozen teacher to
 * a small student, and {@code distill demo}, which compares QUD with the MSE feature-KD baseline
 * and with training the student from scratch on generated identities.
 */
public final class DistillCommand implements Command {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String summary() {
        return "distill a frozen teacher into a small student with QUD (or the MSE baseline); 'distill demo' compares them";
    }

    @Override
    public String usage() {
        return """
                usage: panface distill --teacher W --teacher-arch A --data D [--student mbf] [--features 512]
                                       [--loss qud|mse] [--tau 0.1] [--queue 1024] [--replacement normal|similar|dissimilar]
                                       [--batch 256] [--lr 0.1] [--epochs 26] [--milestones 8,14,20,25] [--steps N]
                                       [--no-flip] [--cache FILE] [--save FILE] [--save-every K] [--resume FILE]
                                       [--eval PACK.bin] [--eval-every N] [--log-every K] [--seed S]
                       panface distill demo [--seed S] [--steps 40] [--teacher-steps 60] [--side 16]
                  W: the teacher's weights: a panface training checkpoint, or a PyTorch .pt/.pth or
                  safetensors state dict; A: its architecture (r18, r50, r100, vit_b, ...); or an ONNX
                  face model (W ending in .onnx, A not used; give --features its embedding size). D: an image
                  folder or an insightface .rec; its labels are not used. The student (default mbf:
                  MobileFaceNet as QUD builds it; mbf_insightface for insightface's) learns to match
                  the teacher's embeddings of the same 112x112 images: QUD's queue InfoNCE (tau 0.1,
                  queue 1024 of teacher keys: the paper; the code's default is --tau 0.07) or, with
                  --loss mse, MSE of the normalised embeddings. SGD momentum 0.9, weight decay 5e-4, the
                  rate cut by 10 at each milestone epoch, gradients clipped at 5, horizontal flips.
                  With --no-flip the teacher sees exactly the stored images, so its embeddings are
                  computed once into --cache FILE (default: beside --save, or a temporary file) and
                  memory-mapped: each step then runs only the student.
                  --save writes the student, the queue and the optimizer at the end (and every K steps);
                  --resume continues a run with the same options. --eval evaluates the student on an
                  insightface verification pack every N steps and at the end.
                  demo: trains a small teacher on generated identities, then the same student for the
                  same steps by QUD, by the MSE baseline and from scratch with labels, and evaluates
                  all four on held-out identities (10-fold protocol). Images are 16x16 crops of the
                  generated faces by default (--side 32 or 48 for larger ones, at 4 or 9 times the cost)
                  so the demo stays within minutes on two CPU cores. Last line: one JSON object.""";
    }

    @Override
    public int run(Args args) throws Exception {
        if (!args.positional().isEmpty() && args.positional().get(0).equals("demo")) {
            return demo(args);
        }
        String teacherPath = args.get("teacher", null);
        String arch = args.get("teacher-arch", null);
        String data = args.get("data", null);
        String studentName = args.get("student", "mbf");
        int features = args.getInt("features", 512, 1, 4096);
        String lossName = args.get("loss", "qud");
        double tau = args.getDouble("tau", QueueInfoNce.PAPER_TAU, 1e-6, 100);
        int queueSize = args.getInt("queue", QueueInfoNce.PAPER_QUEUE, 1, Integer.MAX_VALUE);
        String replacement = args.get("replacement", "normal");
        int batch = args.getInt("batch", 256, 1, 1 << 16);
        double lr = args.getDouble("lr", 0.1, 0, 10);
        int epochs = args.getInt("epochs", 26, 1, 100_000);
        int[] milestones = Arrays.stream(args.get("milestones", "8,14,20,25").split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
        String stepsArg = args.get("steps", null);
        boolean flip = !args.has("no-flip");
        String cacheArg = args.get("cache", null);
        String save = args.get("save", null);
        int saveEvery = args.getInt("save-every", 0, 0, Integer.MAX_VALUE);
        String resume = args.get("resume", null);
        String evalPack = args.get("eval", null);
        int evalEvery = args.getInt("eval-every", 0, 0, Integer.MAX_VALUE);
        int logEvery = args.getInt("log-every", 50, 1, Integer.MAX_VALUE);
        long seed = args.getInt("seed", 1);
        args.finish();
        if (teacherPath == null || arch == null || data == null) {
            throw new UsageException("--teacher, --teacher-arch and --data are required (or: panface distill demo)");
        }
        if (save != null) {
            try {
                TrainCheckpoints.checkWritable(Path.of(save));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        } else if (saveEvery > 0) {
            throw new UsageException("--save-every needs --save FILE");
        }
        Distiller.Method method = switch (lossName) {
            case "qud" -> Distiller.Method.QUD;
            case "mse" -> Distiller.Method.MSE;
            default -> throw new UsageException("--loss is qud or mse, not " + lossName);
        };
        QueueInfoNce.Replacement rep = switch (replacement) {
            case "normal" -> QueueInfoNce.Replacement.NORMAL;
            case "similar" -> QueueInfoNce.Replacement.SIMILAR;
            case "dissimilar" -> QueueInfoNce.Replacement.DISSIMILAR;
            default -> throw new UsageException("--replacement is normal, similar or dissimilar, not " + replacement);
        };
        if (method == Distiller.Method.QUD && queueSize % batch != 0) {
            throw new UsageException("--queue " + queueSize + " must be a multiple of --batch " + batch + " (the keys enqueued per step)");
        }
        Path dataPath = Path.of(data);
        try (Scope run = Scope.open();
                FaceDataset ds = Files.isDirectory(dataPath) ? ImageFolderDataset.open(dataPath) : RecordDataset.open(dataPath)) {
            FrozenTeacher teacher = FrozenTeacher.load(arch, Path.of(teacherPath), features);
            Module student = Models.create(studentName.equals("mbf") ? "mbf_qud" : studentName.equals("mbf_insightface") ? "mbf" : studentName,
                    features, seed);
            DatasetImages images = new DatasetImages(ds, 112);
            TeacherCache cache = null;
            if (!flip) {
                Path cf = cacheArg != null ? Path.of(cacheArg) : save != null ? Path.of(save + ".teacher-cache") : Files.createTempFile("teacher", ".cache");
                long t0 = System.nanoTime();
                cache = TeacherCache.open(cf, fingerprint(teacherPath, data, features), images, features, 64, teacher);
                System.out.printf(Locale.ROOT, "teacher embeddings of %d images %s %s (%.1f s)%n", images.size(),
                        cache.reused() ? "read from" : "computed into", cf, (System.nanoTime() - t0) * 1e-9);
            }
            Distiller.Options o = new Distiller.Options(method, batch, lr, 0.9, 5e-4, 5.0, milestones, flip, seed,
                    new QueueInfoNce.Config(queueSize, tau, true, rep));
            Distiller d = new Distiller(student, teacher, images, cache, features, o);
            long steps = stepsArg != null ? Long.parseLong(stepsArg) : epochs * d.stepsPerEpoch();
            Map<String, String> recipe = recipe("teacher", teacherPath, "teacher_arch", arch, "data", data, "student", studentName,
                    "features", features, "loss", lossName, "tau", tau, "queue", queueSize, "replacement", replacement, "batch", batch, "lr", lr,
                    "milestones", Arrays.toString(milestones), "flip", flip, "seed", seed);
            long first = resume == null ? 0 : d.resume(Path.of(resume), recipe);
            System.out.printf(Locale.ROOT, "distilling %s (%,d parameters) from %s with %s%s over %d images, %d steps (%d per epoch)%s%n",
                    studentName, student.numParameters(), arch, method, method == Distiller.Method.QUD ? " (tau " + tau + ", queue " + queueSize + ")" : "",
                    images.size(), steps, d.stepsPerEpoch(), d.usesCache() ? ", teacher embeddings from the cache" : "");
            VerificationPack pack = evalPack == null ? null : VerificationPack.read(Path.of(evalPack));
            long start = System.nanoTime();
            for (long t = first; t < steps; t++) {
                double loss = d.step(t);
                if (t == first || (t + 1) % logEvery == 0 || t == steps - 1) {
                    double el = (System.nanoTime() - start) * 1e-9;
                    System.out.printf(Locale.ROOT, "step %d/%d  loss %.4f  lr %.3g  %.0f ms/step%n", t + 1, steps, loss, d.learningRate(),
                            1e3 * el / (t + 1 - first));
                }
                if (save != null && saveEvery > 0 && (t + 1) % saveEvery == 0 && t + 1 < steps) {
                    d.save(Path.of(save), t + 1, recipe);
                }
                if (pack != null && evalEvery > 0 && (t + 1) % evalEvery == 0 && t + 1 < steps) {
                    System.out.println("step " + (t + 1) + "  " + evaluate(student, pack));
                }
            }
            if (save != null) {
                d.save(Path.of(save), steps, recipe);
                System.out.println("saved the student, queue and optimizer (step " + steps + ") to " + save);
            }
            if (pack != null) {
                System.out.println("final  " + evaluate(student, pack));
            }
        }
        return 0;
    }

    private static VerificationResult evaluate(Module student, VerificationPack pack) throws java.io.IOException {
        student.eval();
        try {
            return new FlipEmbedder(student, 64).evaluate(pack);
        } finally {
            student.train(true);
        }
    }

    /** The options that shape a run, in its checkpoint's metadata ("distill." keys): a resumed run must match them. */
    private static Map<String, String> recipe(Object... nameValue) {
        Map<String, String> r = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            r.put("distill." + nameValue[i], String.valueOf(nameValue[i + 1]));
        }
        return r;
    }

    private static long fingerprint(String teacher, String data, int features) throws java.io.IOException {
        Path t = Path.of(teacher);
        Path d = Path.of(data);
        return java.util.Objects.hash(t.toAbsolutePath().toString(), Files.size(t), Files.getLastModifiedTime(t).toMillis(),
                d.toAbsolutePath().toString(), Files.getLastModifiedTime(d).toMillis(), features);
    }

    private static int demo(Args args) throws Exception {
        long seed = args.getInt("seed", 1);
        int steps = args.getInt("steps", 40, 1, 1_000_000);
        int teacherSteps = args.getInt("teacher-steps", 60, 1, 1_000_000);
        int side = args.getInt("side", 16, 16, 48);
        args.finish();
        long start = System.nanoTime();
        DistillDemo.Settings s = new DistillDemo.Settings(100, 8, side / 16 * 16, 128, teacherSteps, steps, 32, 0.1, 100, 300, seed);
        Path work = Files.createTempDirectory("panface-distill");
        List<DistillDemo.Outcome> r;
        try {
            r = new DistillDemo(s, System.out).run(work);
        } finally {
            Files.deleteIfExists(work);
        }
        List<String> parts = new ArrayList<>();
        for (DistillDemo.Outcome o : r) {
            System.out.printf(Locale.ROOT, "%-8s 10-fold accuracy on held-out identities %.2f%% +- %.2f%n", o.name(), 100 * o.result().accuracyMean(),
                    100 * o.result().accuracyStd());
            parts.add(String.format(Locale.ROOT, "\"%s\": {\"accuracy\": %.4f, \"std\": %.4f, \"ms_per_step\": %.0f}", o.name(),
                    o.result().accuracyMean(), o.result().accuracyStd(), o.msPerStep()));
        }
        System.out.printf(Locale.ROOT, "{%s, \"seconds\": %.1f}%n", String.join(", ", parts), (System.nanoTime() - start) * 1e-9);
        return 0;
    }
}
