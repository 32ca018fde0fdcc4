package panface.examples.cli;

import java.util.Locale;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * {@code demo}: trains a two-layer classifier on generated Gaussian class clusters with plain SGD
 * and prints the falling loss and the rising accuracy: the whole stack (Philox data, autograd,
 * OpenBLAS GEMMs, vector kernels, per-step memory scopes) in a few seconds.
 */
public final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "train a small classifier on generated data and print the falling loss";
    }

    @Override
    public String usage() {
        return """
                usage: panface demo [--steps N] [--classes C] [--dim D] [--hidden H] [--batch B] [--lr LR] [--seed S]
                  Trains a two-layer MLP (D -> H -> C, ReLU) with SGD on Gaussian class clusters
                  drawn from a seeded Philox stream; prints loss and accuracy every 20 steps and
                  the held-out accuracy at the end. Defaults: 300 steps, 50 classes, dim 32,
                  hidden 256, batch 256, lr 0.1, seed 7.""";
    }

    @Override
    public int run(Args args) {
        int steps = args.getInt("steps", 300);
        int classes = args.getInt("classes", 50);
        int dim = args.getInt("dim", 32);
        int hidden = args.getInt("hidden", 256);
        int batch = args.getInt("batch", 256);
        double lr = args.getDouble("lr", 0.1);
        long seed = args.getInt("seed", 7);
        args.finish();
        if (steps <= 0 || classes < 2 || dim <= 0 || hidden <= 0 || batch <= 0 || !(lr > 0)) {
            throw new UsageException("steps, dim, hidden, batch and lr must be positive and classes at least 2");
        }
        Generator gen = new Generator(seed);
        try (Scope run = Scope.open()) {
            Tensor centres = Tensor.randn(gen, classes, dim).mul(0.45);
            Tensor w1 = Tensor.randn(gen, hidden, dim).mul(Math.sqrt(2.0 / dim)).detach().requiresGrad(true);
            Tensor b1 = Tensor.zeros(hidden).requiresGrad(true);
            Tensor w2 = Tensor.randn(gen, classes, hidden).mul(Math.sqrt(1.0 / hidden)).detach().requiresGrad(true);
            Tensor b2 = Tensor.zeros(classes).requiresGrad(true);
            Tensor[] params = {w1, b1, w2, b2};
            System.out.printf(Locale.ROOT, "training a %d-%d-%d MLP on %d Gaussian classes, batch %d, SGD lr %.3g%n", dim, hidden,
                    classes, classes, batch, lr);
            long start = System.nanoTime();
            for (int step = 1; step <= steps; step++) {
                try (Scope s = Scope.open()) {
                    Tensor[] xy = sample(gen, centres, batch);
                    Tensor logits = F.linear(F.relu(F.linear(xy[0], w1, b1)), w2, b2);
                    Tensor loss = F.crossEntropy(logits, xy[1]);
                    loss.backward();
                    try (var off = GradMode.noGrad()) {
                        for (Tensor p : params) {
                            p.addInPlace(p.grad(), -lr);
                            p.zeroGrad();
                        }
                    }
                    if (step == 1 || step % 20 == 0 || step == steps) {
                        System.out.printf(Locale.ROOT, "step %4d  loss %.4f  accuracy %5.1f%%%n", step, loss.item(),
                                100 * accuracy(logits, xy[1]));
                    }
                }
            }
            double secs = (System.nanoTime() - start) * 1e-9;
            try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
                Tensor[] xy = sample(new Generator(seed + 1), centres, 4096);
                Tensor logits = F.linear(F.relu(F.linear(xy[0], w1, b1)), w2, b2);
                System.out.printf(Locale.ROOT, "held-out accuracy %.1f%% on 4096 fresh samples; %.2f s, %.1f ms per step%n",
                        100 * accuracy(logits, xy[1]), secs, 1e3 * secs / steps);
            }
        }
        return 0;
    }

    /** x (n, D) drawn around the centres of uniformly chosen classes; y (n) I64. */
    private static Tensor[] sample(Generator gen, Tensor centres, int n) {
        int classes = centres.size(0);
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = gen.nextInt(classes);
        }
        Tensor y = Tensor.of(labels, n);
        Tensor x = F.embedding(y, centres).add(Tensor.randn(gen, n, centres.size(1)));
        return new Tensor[] {x, y};
    }

    private static double accuracy(Tensor logits, Tensor y) {
        return logits.detach().argmax(1, false).eq(y).to(DType.F64).mean().item();
    }
}
