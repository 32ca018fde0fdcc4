package panface.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import panface.faceloss.CombinedMarginHead;
import panface.faceloss.GifTokenLoss;
import panface.faceloss.Margin;
import panface.faceloss.gif.CodeTree;
import panface.faceloss.gif.CodeVectors;
import panface.faceloss.gif.GifTraining;
import panface.faceloss.gif.Homogenisation;
import panface.faceloss.gif.IdentityCodes;
import panface.faceloss.gif.SampledHomogenisation;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.data.FaceLoader;
import panface.nn.data.LoaderOptions;
import panface.nn.eval.TenFoldVerification;
import panface.nn.infer.FaceEmbedder;
import panface.nn.layers.Linear;
import panface.nn.optim.Optimizer;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * {@code gif demo}: GIF identity codes end to end on generated identities. A small MLP backbone
 * is briefly trained with a full FC head to give code vectors; they are homogenised and clustered
 * into codes; then one fresh backbone is trained with GIF token heads and one with a full FC head,
 * from the same initialisation for the same steps, and both are evaluated on held-out identities
 * with the embedding only (10-fold verification accuracy).
 */
public final class GifCommand implements Command {
    private static final int SIDE = 4;
    /** Identities above which gif codes homogenises by sampled steps (the all-pairs step grows as m^2). */
    private static final int SAMPLED_ABOVE = 20_000;

    @Override
    public String name() {
        return "gif";
    }

    @Override
    public String summary() {
        return "GIF identity codes: demo on generated identities (codes, token heads vs a full FC)";
    }

    @Override
    public String usage() {
        return """
                usage: panface gif demo [--identities C] [--heldout H] [--k K] [--l L] [--steps S] [--pretrain P]
                                        [--homogenise N] [--batch B] [--lr LR] [--dim E] [--hidden W]
                                        [--conditioning independent|prefix] [--margin none|arcface] [--codes FILE] [--seed S]
                  Generated identities (Gaussian clusters of 3x4x4 "images"). An MLP backbone (48 -> W -> E) is
                  pretrained P steps with a full FC head; its mean embeddings per identity are the code vectors,
                  homogenised N steps (t=2, lambda=0.1) and clustered into a balanced tree of branching K and depth
                  L (default: the smallest L with K^L >= C); the codes are written to FILE if given. Then a fresh
                  backbone is trained S steps with L token heads and another, from the same initialisation, with
                  a full FC head; both are evaluated on H held-out identities by 10-fold verification of their
                  embeddings. Defaults: C=1000, H=200, K=16, S=400, P=150, N=30, B=256, LR=0.1, E=32, W=128,
                  independent linear heads (the reference's first suggestion), seed 3. The last line is JSON.
                usage: panface gif codes --arch A --model W --data TRAIN.rec --out CODES [--features 512] [--k 256] [--l L]
                                         [--homogenise N] [--sampled auto|yes|no] [--batch B]
                  Code vectors of every identity of TRAIN.rec from the model (mean of its images' normalised
                  embeddings, no augmentation, one epoch), homogenised N steps (default 100) and clustered
                  into a balanced tree of branching K and depth L (default: the smallest L with K^L >= identities);
                  writes the codes file and prints the collision count. The homogenisation compares every pair
                  of identities, or with --sampled yes (auto: above 20000 identities) moves blocks of 1024 of
                  them against 8192 sampled ones, N sweeps over all of them, in about 8 bytes per identity and
                  dimension (GIF.md). Then train with: panface train --head gif --codes CODES --data TRAIN.rec.""";
    }

    @Override
    public int run(Args args) throws Exception {
        List<String> words = args.positional();
        if (words.size() == 1 && words.get(0).equals("codes")) {
            return codes(args);
        }
        if (words.size() != 1 || !words.get(0).equals("demo")) {
            throw new UsageException("expected the subcommand demo or codes");
        }
        int c = args.getInt("identities", 1000, 2, 1_000_000);
        int heldout = args.getInt("heldout", 200, 2, 100_000);
        int k = args.getInt("k", 16, 2, 65536);
        int l = args.getInt("l", CodeTree.Options.depthFor(c, k), 1, 64);
        int steps = args.getInt("steps", 400, 1, 1_000_000);
        int pretrain = args.getInt("pretrain", 150, 1, 1_000_000);
        int homogenise = args.getInt("homogenise", 30, 0, 1_000_000);
        int batch = args.getInt("batch", 256, 1, 65536);
        double lr = args.getDouble("lr", 0.1, 1e-9, 100);
        int dim = args.getInt("dim", 32, 2, 4096);
        int hidden = args.getInt("hidden", 128, 1, 65536);
        String conditioning = args.get("conditioning", "independent");
        String marginName = args.get("margin", "none");
        String codesFile = args.get("codes", null);
        long seed = args.getInt("seed", 3);
        args.finish();
        GifTokenLoss.Conditioning cond = switch (conditioning) {
            case "independent" -> GifTokenLoss.Conditioning.INDEPENDENT;
            case "prefix" -> GifTokenLoss.Conditioning.PREFIX;
            default -> throw new UsageException("--conditioning is independent or prefix");
        };
        Margin margin = switch (marginName) {
            case "none" -> null;
            case "arcface" -> Margin.arcFace(32, 0.3);
            default -> throw new UsageException("--margin is none or arcface");
        };
        long start = System.nanoTime();
        int in = 3 * SIDE * SIDE;
        try (Scope run = Scope.open(); GaussianIdentities train = new GaussianIdentities(c, SIDE, batch, 0.45, seed, seed + 1)) {
            Mlp first = new Mlp(in, hidden, dim, new Generator(seed + 2));
            Module fc0 = fcHead(c, dim, margin, new Generator(seed + 3));
            trainFc(first, fc0, margin, train, sgd(first, fc0, lr), pretrain);
            float[][] v = GifTraining.codeVectors(first::forward, train, 1, 10_000, CodeVectors.Averaging.RAW_MEAN);
            Homogenisation h = new Homogenisation(v, Homogenisation.Options.defaults());
            double before = h.loss();
            for (int i = 0; i < homogenise; i++) {
                h.step();
            }
            System.out.printf(Locale.ROOT, "code vectors: %d x %d, homogenisation objective %.4f -> %.4f in %d steps%n", c, dim, before,
                    h.loss(), homogenise);
            CodeTree.Result tree = CodeTree.build(h.vectors(), CodeTree.Options.of(k, l));
            IdentityCodes codes = tree.codes();
            System.out.printf(Locale.ROOT, "codes: k=%d l=%d, collisions %d before resolution, %d after%n", k, l, tree.collisionsBefore(),
                    tree.collisionsAfter());
            if (codesFile != null) {
                codes.write(Path.of(codesFile));
            }
            Mlp gifNet = new Mlp(in, hidden, dim, new Generator(seed + 4));
            GifTokenLoss heads = GifTokenLoss.of(l, k, dim, margin, cond, new Generator(seed + 5));
            train.seek(0);
            GifTraining.train(gifNet::forward, heads, codes, train, sgd(gifNet, heads, lr), steps,
                    (s, loss) -> progress("gif", s, steps, loss));
            Mlp fcNet = new Mlp(in, hidden, dim, new Generator(seed + 4));
            Module fc = fcHead(c, dim, margin, new Generator(seed + 5));
            train.seek(0);
            trainFc(fcNet, fc, margin, train, sgd(fcNet, fc, lr), steps);
            GaussianIdentities test = new GaussianIdentities(heldout, SIDE, 1, 0.45, seed + 100, seed + 101);
            double fcAcc = verify(fcNet, test, seed + 102);
            double gifAcc = verify(gifNet, test, seed + 102);
            double secs = (System.nanoTime() - start) * 1e-9;
            System.out.printf(Locale.ROOT,
                    "{\"fc\": {\"accuracy\": %.4f, \"head_bytes\": %d}, \"gif\": {\"accuracy\": %.4f, \"head_bytes\": %d}, "
                            + "\"codes\": {\"k\": %d, \"l\": %d, \"collisions\": %d}, \"seconds\": %.1f}%n",
                    fcAcc, 4 * fc.numParameters(), gifAcc, 4 * heads.numParameters(), k, l, tree.collisionsAfter(), secs);
        }
        return 0;
    }

    private static int codes(Args args) throws Exception {
        String arch = args.get("arch", null);
        String model = args.get("model", null);
        String data = args.get("data", null);
        String out = args.get("out", null);
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        int k = args.getInt("k", 256, 2, 65536);
        int lArg = args.getInt("l", 0, 0, 64);
        int homogenise = args.getInt("homogenise", 100, 0, 1_000_000);
        String sampled = args.get("sampled", "auto");
        int batch = args.getInt("batch", 64, 1, 65536);
        args.finish();
        if (!sampled.equals("auto") && !sampled.equals("yes") && !sampled.equals("no")) {
            throw new UsageException("--sampled is auto, yes or no");
        }
        if (arch == null || model == null || data == null || out == null) {
            throw new UsageException("gif codes needs --arch, --model, --data and --out");
        }
        LoaderOptions opts = LoaderOptions.insightface(batch, 0).withAugmentations(List.of());
        try (FaceEmbedder embedder = FaceEmbedder.load(arch, Path.of(model), features, false, batch);
                FaceLoader loader = FaceLoader.open(Path.of(data), opts)) {
            int m = loader.numClasses();
            int l = lArg > 0 ? lArg : CodeTree.Options.depthFor(m, k);
            long epoch = loader.batchesPerEpoch();
            float[][] v = GifTraining.codeVectors(images -> embedBatch(embedder, images), loader, epoch, 2 * epoch,
                    CodeVectors.Averaging.RAW_MEAN);
            float[][] spread = homogenise(v, homogenise, sampled.equals("yes") || (sampled.equals("auto") && m > SAMPLED_ABOVE));
            CodeTree.Result tree = CodeTree.build(spread, CodeTree.Options.of(k, l));
            tree.codes().write(Path.of(out));
            System.out.printf(Locale.ROOT, "{\"identities\": %d, \"k\": %d, \"l\": %d, \"collisions_before\": %d, \"collisions\": %d}%n", m, k, l,
                    tree.collisionsBefore(), tree.collisionsAfter());
        }
        return 0;
    }

    /**
     * Homogenised code vectors: {@code steps} all-pairs steps, or as many sweeps of sampled steps
     * (1024-row blocks against 8192 sampled columns) when sampled.
     */
    static float[][] homogenise(float[][] v, int steps, boolean sampled) {
        if (v.length < 2 || steps == 0) {
            return v;
        }
        if (!sampled) {
            Homogenisation h = new Homogenisation(v, Homogenisation.Options.defaults());
            for (int i = 0; i < steps; i++) {
                h.step();
            }
            return h.vectors();
        }
        SampledHomogenisation.Options o = SampledHomogenisation.Options.defaults();
        SampledHomogenisation h = new SampledHomogenisation(v, o);
        long perSweep = (v.length + o.block() - 1) / o.block();
        for (long i = 0; i < steps * perSweep; i++) {
            h.step();
        }
        return h.vectors();
    }

    /** Embeddings (B, E) of a loader batch (B, 3, H, W) through the embedder. */
    private static Tensor embedBatch(FaceEmbedder embedder, Tensor images) {
        int b = images.size(0);
        int per = images.size(1) * images.size(2) * images.size(3);
        float[] flat = images.contiguous().toFloatArray();
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            rows.add(java.util.Arrays.copyOfRange(flat, i * per, (i + 1) * per));
        }
        float[][] e = embedder.embedInputs(rows);
        float[] out = new float[b * e[0].length];
        for (int i = 0; i < b; i++) {
            System.arraycopy(e[i], 0, out, i * e[i].length, e[i].length);
        }
        return Tensor.of(out, b, e[0].length);
    }

    private static void progress(String what, long step, long steps, double loss) {
        if (step == 1 || step % 100 == 0 || step == steps) {
            System.out.printf(Locale.ROOT, "%s step %d loss %.4f%n", what, step, loss);
        }
    }

    private static Module fcHead(int c, int dim, Margin margin, Generator gen) {
        return margin == null ? new Linear(dim, c, true, gen) : new CombinedMarginHead(c, dim, margin, gen);
    }

    private static void trainFc(Mlp net, Module head, Margin margin, GaussianIdentities source, Optimizer opt, long steps) {
        for (long step = 1; step <= steps; step++) {
            var b = source.next();
            try (Scope s = Scope.open()) {
                Tensor e = net.forward(b.imagesTensor());
                Tensor y = b.labelsTensor();
                Tensor loss = margin == null ? F.crossEntropy(((Linear) head).forward(e), y) : ((CombinedMarginHead) head).loss(e, y);
                loss.backward();
                opt.step();
                opt.zeroGrad();
                progress("fc", step, steps, loss.item());
            }
        }
    }

    private static Optimizer sgd(Module a, Module b, double lr) {
        List<Parameter> ps = new ArrayList<>(a.parameters());
        ps.addAll(b.parameters());
        return new SGD(List.of(ParamGroup.of(ps, 5e-4)), lr, 0.9);
    }

    /** 10-fold verification accuracy on 3000 pairs of held-out identities, half of them the same identity. */
    private static double verify(Mlp net, GaussianIdentities test, long seed) {
        int pairs = 3000;
        Generator g = new Generator(seed);
        float[][] a = new float[pairs][];
        float[][] b = new float[pairs][];
        boolean[] same = new boolean[pairs];
        int n = test.numClasses();
        for (int i = 0; i < pairs; i++) {
            int y = g.nextInt(n);
            int z = i % 2 == 0 ? y : (y + 1 + g.nextInt(n - 1)) % n;
            same[i] = y == z;
            a[i] = embed(net, test.sample(y, g));
            b[i] = embed(net, test.sample(z, g));
        }
        return TenFoldVerification.evaluate("heldout", a, b, same).accuracyMean();
    }

    private static float[] embed(Mlp net, float[] x) {
        try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
            return net.forward(Tensor.of(x, 1, 3, SIDE, SIDE)).toFloatArray();
        }
    }

    /** The demo backbone: flatten, Linear, ReLU, Linear. Keys: fc1.*, fc2.*. */
    private static final class Mlp extends Module {
        private final Linear fc1;
        private final Linear fc2;

        Mlp(int in, int hidden, int out, Generator gen) {
            fc1 = child("fc1", new Linear(in, hidden, true, gen));
            fc2 = child("fc2", new Linear(hidden, out, true, gen));
        }

        Tensor forward(Tensor images) {
            Tensor x = images.reshape(images.size(0), -1);
            return fc2.forward(F.relu(fc1.forward(x)));
        }
    }
}
