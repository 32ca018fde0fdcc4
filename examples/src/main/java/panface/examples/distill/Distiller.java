package panface.examples.distill;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.faceloss.QueueInfoNce;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.io.Checkpoint;
import panface.nn.optim.GradClip;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * QUD's training loop: the student sees images without labels; the frozen teacher's embedding
 * of the same image (from {@link TeacherCache} when the teacher's view is the stored image) is
 * the positive of the queue InfoNCE loss, or, with {@link Method#MSE}, the target of the
 * feature-KD baseline MSE(normalize(S(x)), normalize(T(x))). SGD (momentum 0.9, weight decay
 * 5e-4 on every parameter), the learning rate cut by 10 at each milestone epoch (the
 * reference's lr_mult = 0.1^#{m : m - 1 &lt;= epoch}), the gradient norm clipped at 5.
 *
 * <p>Which images a step sees and whether each is flipped depend only on the seed and the step,
 * so a run resumed from {@link #save} continues with the same batches.
 */
public final class Distiller {
    /** The distillation loss. */
    public enum Method {
        /** Queue InfoNCE against the teacher's keys (QUD). */
        QUD,
        /** MSE of the normalised embeddings (the feature-KD baseline in QUD's code). */
        MSE
    }

    /** The loop's settings; milestones are epochs, as the reference's. */
    public record Options(Method method, int batch, double lr, double momentum, double weightDecay, double clip, int[] milestones,
            boolean flip, long seed, QueueInfoNce.Config queue) {
        /** The reference's optimiser: SGD momentum 0.9, weight decay 5e-4, clipping at 5; hflip on. */
        public static Options qud(int batch, double lr, int[] milestones, long seed) {
            return new Options(Method.QUD, batch, lr, 0.9, 5e-4, 5.0, milestones, true, seed, QueueInfoNce.Config.paper());
        }

        public Options withMethod(Method m) {
            return new Options(m, batch, lr, momentum, weightDecay, clip, milestones, flip, seed, queue);
        }

        public Options withFlip(boolean f) {
            return new Options(method, batch, lr, momentum, weightDecay, clip, milestones, f, seed, queue);
        }

        public Options withQueue(QueueInfoNce.Config q) {
            return new Options(method, batch, lr, momentum, weightDecay, clip, milestones, flip, seed, q);
        }
    }

    private final Module student;
    private final UnaryOperator<Tensor> teacher;
    private final DistillImages images;
    private final TeacherCache cache;
    private final Options options;
    private final QueueInfoNce queue;
    private final SGD opt;
    private final LrSchedule schedule;
    private final long stepsPerEpoch;
    private double lastLoss = Double.NaN;

    /**
     * A loop over images; cache may be null, and is ignored when the teacher's view is augmented
     * (flips), since it holds the embeddings of the stored images only.
     */
    public Distiller(Module student, UnaryOperator<Tensor> teacher, DistillImages images, TeacherCache cache, int dim, Options options) {
        if (!(student instanceof Layer)) {
            throw new IllegalArgumentException("the student must be a backbone with a forward");
        }
        if (images.size() < options.batch()) {
            throw new IllegalArgumentException("the batch (" + options.batch() + ") is larger than the " + images.size() + " images");
        }
        this.student = student;
        this.teacher = teacher;
        this.images = images;
        this.cache = options.flip() ? null : cache;
        this.options = options;
        this.queue = options.method() == Method.QUD ? new QueueInfoNce(options.queue(), dim, new Generator(options.seed() + 31)) : null;
        this.opt = new SGD(List.of(ParamGroup.of(student.parameters(), options.weightDecay())), options.lr(), options.momentum());
        this.stepsPerEpoch = images.size() / options.batch();
        int[] cuts = options.milestones().clone();
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] -= 1;
        }
        this.schedule = LrSchedule.multiStep(options.lr(), stepsPerEpoch, cuts, 0.1);
        student.train(true);
    }

    /** Whether the teacher's embeddings come from the cache (no teacher forward per step). */
    public boolean usesCache() {
        return cache != null;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The queue loss (null for the MSE baseline). */
    public QueueInfoNce queue() {
        return queue;
    }

    int[] indices(long step) {
        return indices(step, images.size(), options.batch(), options.seed());
    }

    /**
     * The images of step t over n images: the epoch's permutation (drawn from the seed and the
     * epoch), batch t mod (n / batch) of it; the last n mod batch images of an epoch are left out.
     */
    public static int[] indices(long step, int n, int batch, long seed) {
        long perEpoch = n / batch;
        long epoch = step / perEpoch;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Generator g = new Generator(seed * 7919 + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int start = (int) (step % perEpoch) * batch;
        return java.util.Arrays.copyOfRange(perm, start, start + batch);
    }

    /** One optimizer step; returns the loss. */
    public double step(long t) {
        try (Scope s = Scope.open()) {
            int[] idx = indices(t);
            int side = images.side();
            int b = idx.length;
            float[] x = new float[b * 3 * side * side];
            images.fill(idx, x);
            if (options.flip()) {
                Generator g = new Generator(options.seed() + 17, t * b);
                for (int i = 0; i < b; i++) {
                    if (g.nextDouble() < 0.5) {
                        flip(x, i, side);
                    }
                }
            }
            Tensor input = Tensor.of(x, b, 3, side, side);
            Tensor k = cache != null ? cache.rows(idx) : teacher.apply(input);
            opt.setLearningRate(schedule.lr(t));
            Tensor out = ((Layer) student).forward(input);
            Tensor loss = queue != null ? queue.loss(out, k)
                    : F.l2Normalize(out, 1, 1e-12).sub(F.l2Normalize(k, 1, 1e-12)).square().mean();
            double v = loss.item();
            if (!Double.isFinite(v)) {
                throw new IllegalStateException("distillation diverged at step " + (t + 1) + ": the loss is " + v);
            }
            loss.backward();
            GradClip.clipNorm(student.parameters(), options.clip());
            opt.step();
            opt.zeroGrad();
            lastLoss = v;
            return v;
        }
    }

    public double learningRate() {
        return opt.learningRate();
    }

    public double lastLoss() {
        return lastLoss;
    }

    private static void flip(float[] x, int n, int side) {
        for (int c = 0; c < 3; c++) {
            int base = (n * 3 + c) * side * side;
            for (int y = 0; y < side; y++) {
                int row = base + y * side;
                for (int i = 0, j = side - 1; i < j; i++, j--) {
                    float tmp = x[row + i];
                    x[row + i] = x[row + j];
                    x[row + j] = tmp;
                }
            }
        }
    }

    /** Saves the student, the queue (QUD), the optimizer and the step, with the recipe. */
    public void save(Path file, long step, Map<String, String> recipe) throws IOException {
        Checkpoint.save(file, modules(), opt, Map.of(), step, recipe);
    }

    /** Restores a saved run and returns its step; the recipe must equal this run's. */
    public long resume(Path file, Map<String, String> recipe) throws IOException {
        Checkpoint.State st = Checkpoint.load(file);
        for (Map.Entry<String, String> e : recipe.entrySet()) {
            if (!e.getValue().equals(st.metadata().get(e.getKey()))) {
                throw new IllegalArgumentException(file + " was saved by a different run: " + e.getKey() + " " + e.getValue() + " (checkpoint: "
                        + st.metadata().get(e.getKey()) + ")");
            }
        }
        Checkpoint.restore(st, modules(), opt, Map.of());
        return st.step();
    }

    private Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("model", student);
        if (queue != null) {
            m.put("queue", queue);
        }
        return m;
    }
}
