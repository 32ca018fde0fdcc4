package panface.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.examples.train.SyntheticFaces;
import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nn.ParameterSlab;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.nn.optim.AdamW;
import panface.nn.optim.GradClip;
import panface.nn.optim.LayerDecay;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.tensor.Autocast;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * {@code train}: the face-training demo. A small face ViT (insightface's architecture, reduced
 * width and depth) learns generated identities with ArcFace over Partial FC, AdamW with a
 * linear warm-up over the first tenth of the steps and insightface's polynomial decay after it,
 * and gradient clipping at 5; it prints the falling loss and finally the verification accuracy
 * on new samples of the identities.
 */
public final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a small face ViT with ArcFace + Partial FC on generated identities";
    }

    @Override
    public String usage() {
        return """
                usage: panface train [--steps N] [--identities C] [--batch B] [--dim D] [--depth L] [--lr LR]
                                     [--sample-rate R] [--seed S] [--log-every K] [--save FILE] [--save-every K]
                                     [--stop-after K] [--resume FILE] [--device cpu|cuda[:N]] [--autocast]
                  Trains a face ViT (patch 9 on 112x112, D wide, L blocks, 4 heads, 128-d embedding)
                  on generated identities: ArcFace (s=64, m=0.5) over Partial FC sampling, AdamW
                  (weight decay 0.1, none on norms/biases/embeddings), linear warm-up over the first
                  tenth of the steps then linear decay, clipping at 5. Prints loss and accuracy as it
                  goes and the verification accuracy (same/different pairs of new samples) at the end.
                  --log-every prints the loss of every K-th step (and of the first and last). --save
                  writes a training checkpoint (backbone, Partial FC centres, optimizer, generators,
                  step) at the end and, with --save-every K, every K steps; --stop-after K ends the run
                  after step K of the N (as a preempted job), saving it, without the final evaluation;
                  --resume FILE continues a saved run (same options) exactly where it stopped: same
                  data, sampled centres, schedule and optimizer state. On the CPU, with the same thread
                  count (and the default -Dpanface.cpu.reproducible=true), the weights equal an uninterrupted
                  run's bit for bit.
                  Training stops with exit code 1, saving nothing, when the loss stops being finite.
                  --device trains on a GPU; --autocast runs products and attention in bf16 there
                  (float32 master weights, float32 norms and loss).
                  Defaults: 200 steps, 200 identities, batch 32, dim 64, depth 2, lr 1e-3, rate 0.5, seed 1,
                  log every 10 steps.""";
    }

    @Override
    public int run(Args args) throws Exception {
        int steps = args.getInt("steps", 200);
        int classes = args.getInt("identities", 200);
        int batch = args.getInt("batch", 32);
        int dim = args.getInt("dim", 64);
        int depth = args.getInt("depth", 2);
        double lr = args.getDouble("lr", 1e-3);
        double rate = args.getDouble("sample-rate", 0.5);
        long seed = args.getInt("seed", 1);
        int logEvery = args.getInt("log-every", 10);
        String save = args.get("save", null);
        Device device = Device.parse(args.get("device", "cpu"));
        boolean autocast = args.has("autocast");
        String resume = args.get("resume", null);
        int saveEvery = args.getInt("save-every", 0, 0, Integer.MAX_VALUE);
        boolean stopping = args.get("stop-after", null) != null;
        int stopAfter = args.getInt("stop-after", steps, 1, Integer.MAX_VALUE);
        args.finish();
        if (save != null) {
            TrainCheckpoints.checkWritable(Path.of(save));
        } else if (saveEvery > 0 || stopping) {
            throw new UsageException("--save-every and --stop-after need --save FILE");
        }
        if (!Backends.isAvailable(device)) {
            throw new UsageException(device + " cannot be used: " + Backends.unavailableReason(device));
        }
        if (steps <= 0 || classes < 2 || batch <= 1 || dim % 4 != 0 || depth <= 0 || !(lr > 0) || !(rate > 0 && rate <= 1)
                || logEvery <= 0) {
            throw new UsageException("steps, batch (> 1), depth, lr, log-every must be positive, dim divisible by 4, identities >= 2, "
                    + "0 < rate <= 1");
        }
        SyntheticFaces faces = new SyntheticFaces(classes, seed);
        Generator data = new Generator(seed + 100);
        try (Scope run = Scope.open()) {
            ViTConfig cfg = new ViTConfig(112, 9, dim, depth, 4, 2.0, 128, 0.0, 0.0, false, seed);
            FaceViT vit = new FaceViT(cfg);
            PartialFC fc = new PartialFC(classes, 128, rate, Margin.arcFace(64, 0.5), new Generator(seed + 7));
            vit.to(device);
            fc.to(device);
            ParameterSlab.pack(vit);
            ParameterSlab.pack(fc);
            List<ParamGroup> groups = new java.util.ArrayList<>(LayerDecay.groups(vit, 1.0, 0.1, LayerDecay::noDecay));
            groups.add(ParamGroup.of(fc.parameters(), 0.1));
            AdamW opt = new AdamW(groups, lr);
            // insightface's schedule runs its iteration 0 at the full rate; skipping it makes the
            // first step a warm-up step (lr/warmup) and the ramp reach lr on the warm-up's last step
            LrSchedule schedule = LrSchedule.polynomialWarmup(lr, Math.max(1, steps / 10), steps + 1, 1.0).skip(1);
            Map<String, String> recipe = TrainCheckpoints.recipe("steps", steps, "identities", classes, "batch", batch, "dim", dim, "depth",
                    depth, "lr", lr, "sample_rate", rate, "seed", seed, "autocast", autocast);
            int first = resume == null ? 0 : (int) TrainCheckpoints.resume(Path.of(resume), recipe, vit, fc, opt, data);
            int last = Math.min(steps, stopAfter);
            if (last < first) {
                throw new UsageException("--stop-after " + stopAfter + " is before the checkpoint's step " + first);
            }
            System.out.printf(Locale.ROOT, "face ViT D=%d depth=%d (%,d parameters), ArcFace s=64 m=0.5 over Partial FC (rate %.2f of %d identities), AdamW, on %s%s%n",
                    dim, depth, vit.numParameters(), rate, classes, device, autocast ? " with bf16 autocast" : "");
            long start = System.nanoTime();
            if (resume != null) {
                System.out.printf(Locale.ROOT, "resumed %s after step %d of %d%n", resume, first, steps);
            }
            for (int step = first; step < last; step++) {
                try (Scope s = Scope.open()) {
                    long[] y = new long[batch];
                    for (int i = 0; i < batch; i++) {
                        y[i] = data.nextInt(classes);
                    }
                    Tensor labels = Tensor.of(y, batch).to(device);
                    Tensor x = faces.batch(y, data).to(device);
                    opt.setLearningRate(schedule.lr(step));
                    Tensor loss;
                    try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                        loss = fc.loss(vit.forward(x), labels);
                    }
                    TrainCheckpoints.checkLoss(loss, step, opt.learningRate());
                    loss.backward();
                    GradClip.clipNorm(vit.parameters(), 5.0);
                    opt.step();
                    opt.zeroGrad();
                    if (save != null && saveEvery > 0 && (step + 1) % saveEvery == 0 && step + 1 < last) {
                        TrainCheckpoints.save(Path.of(save), recipe, vit, fc, opt, data, step + 1);
                    }
                    if (step == 0 || (step + 1) % logEvery == 0 || step == steps - 1) {
                        System.out.printf(Locale.ROOT, "step %4d  loss %7.3f  lr %.2e%n", step + 1, loss.item(), opt.learningRate());
                    }
                }
            }
            double secs = (System.nanoTime() - start) * 1e-9;
            int done = Math.max(1, last - first);
            System.out.printf(Locale.ROOT, "%.1f s, %.0f ms per step (%.1f images/s)%n", secs, 1e3 * secs / done, done * batch / secs);
            if (save != null) {
                TrainCheckpoints.save(Path.of(save), recipe, vit, fc, opt, data, last);
                System.out.println("saved a training checkpoint (step " + last + " of " + steps + ") to " + save);
            }
            if (stopping) {
                System.out.printf(Locale.ROOT, "stopped after step %d of %d%s%n", last, steps, last < steps ? "; continue with --resume " + save : "");
                return 0;
            }
            vit.eval();
            System.out.printf(Locale.ROOT, "verification accuracy on new samples: %.1f%% (best threshold over 400 pairs)%n",
                    100 * verification(vit, faces, new Generator(seed + 999), device));
        }
        return 0;
    }

    /** Accuracy of same/different decisions on 200 same and 200 different pairs at the best cosine threshold. */
    private static double verification(FaceViT vit, SyntheticFaces faces, Generator g, Device device) {
        int pairs = 200;
        long[] a = new long[2 * pairs];
        long[] b = new long[2 * pairs];
        for (int i = 0; i < 2 * pairs; i++) {
            a[i] = g.nextInt(faces.identities());
            long other = g.nextInt(faces.identities() - 1);
            b[i] = i < pairs ? a[i] : (other >= a[i] ? other + 1 : other);
        }
        double[] cos = new double[2 * pairs];
        try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
            for (int start = 0; start < 2 * pairs; start += 50) {
                long[] ia = java.util.Arrays.copyOfRange(a, start, start + 50);
                long[] ib = java.util.Arrays.copyOfRange(b, start, start + 50);
                Tensor ea = F.l2Normalize(vit.forward(faces.batch(ia, g).to(device)), 1, 1e-12);
                Tensor eb = F.l2Normalize(vit.forward(faces.batch(ib, g).to(device)), 1, 1e-12);
                double[] c = ea.mul(eb).sum(1, false).to(Device.CPU).to(DType.F64).toDoubleArray();
                System.arraycopy(c, 0, cos, start, 50);
            }
        }
        double best = 0;
        for (double t = -1; t <= 1; t += 0.01) {
            int correct = 0;
            for (int i = 0; i < 2 * pairs; i++) {
                if ((cos[i] >= t) == (i < pairs)) {
                    correct++;
                }
            }
            best = Math.max(best, correct / (2.0 * pairs));
        }
        return best;
    }
}
