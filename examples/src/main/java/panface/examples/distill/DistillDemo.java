package panface.examples.distill;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.eval.TenFoldVerification;
import panface.nn.eval.VerificationResult;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.optim.GradClip;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * {@code distill demo}: a teacher (a small iResNet) learns generated identities with labels;
 * three copies of the same QUD student (MobileFaceNet, QUD's layout, at a reduced input size)
 * then train for the same number of steps: by QUD from the teacher without labels, by the
 * MSE feature-KD baseline without labels, and from scratch with labels (ArcFace, like the
 * teacher). All four are evaluated with insightface's 10-fold protocol on pairs of identities
 * none of them has seen.
 */
public final class DistillDemo {
    /** The demo's sizes. */
    public record Settings(int identities, int perIdentity, int side, int dim, int teacherSteps, int studentSteps, int batch, double lr,
            int heldOutIdentities, int pairs, long seed) {
    }

    /** One model's verification result. */
    public record Outcome(String name, VerificationResult result, double msPerStep) {
    }

    private final Settings s;
    private final PrintStream out;

    public DistillDemo(Settings s, PrintStream out) {
        this.s = s;
        this.out = out;
    }

    /** Runs the demo; returns teacher, qud, mse_kd, scratch. */
    public List<Outcome> run(Path work) throws IOException {
        SyntheticFaces faces = new SyntheticFaces(s.identities(), s.seed());
        SyntheticPool pool = new SyntheticPool(faces, s.perIdentity(), s.side(), s.seed() + 1);
        SyntheticPool heldOut = new SyntheticPool(new SyntheticFaces(s.heldOutIdentities(), s.seed() + 1000), 2, s.side(), s.seed() + 1001);
        List<Outcome> r = new ArrayList<>();
        try (Scope run = Scope.open()) {
            IResNet teacherNet = new IResNet(new int[] {2, 2, 2, 2}, new int[] {32, 64, 128, 256}, s.side(), s.dim(), 0.0, s.seed() + 2);
            double ms = supervised("teacher (iResNet 2-2-2-2, 32-256 wide)", teacherNet, pool, s.teacherSteps());
            FrozenTeacher teacher = new FrozenTeacher(teacherNet);
            r.add(new Outcome("teacher", evaluate(teacherNet, heldOut), ms));
            Path cacheFile = work.resolve("teacher-embeddings.bin");
            long t0 = System.nanoTime();
            TeacherCache cache = TeacherCache.open(cacheFile, fingerprint(teacherNet), pool, s.dim(), 64, teacher);
            out.printf(Locale.ROOT, "teacher embeddings of %d images cached in %.1f s%n", pool.size(), (System.nanoTime() - t0) * 1e-9);
            for (Distiller.Method m : Distiller.Method.values()) {
                MobileFaceNet student = student();
                Distiller.Options o = Distiller.Options.qud(s.batch(), s.lr(), milestones(pool, s.studentSteps()), s.seed() + 3).withMethod(m).withFlip(false);
                Distiller d = new Distiller(student, teacher, pool, cache, s.dim(), o);
                long start = System.nanoTime();
                long cpu0 = cpuNanos();
                for (int t = 0; t < s.studentSteps(); t++) {
                    double loss = d.step(t);
                    if (t == 0 || (t + 1) % Math.max(1, s.studentSteps() / 5) == 0) {
                        out.printf(Locale.ROOT, "  %s step %4d  loss %.4f  lr %.3g%n", m, t + 1, loss, d.learningRate());
                    }
                }
                double per = (System.nanoTime() - start) * 1e-6 / s.studentSteps();
                out.printf(Locale.ROOT, "%s student: %d steps, %.0f ms/step, process CPU %.0f ms/step (teacher embeddings from the cache: %s)%n", m,
                        s.studentSteps(), per, (cpuNanos() - cpu0) * 1e-6 / s.studentSteps(), d.usesCache());
                r.add(new Outcome(m == Distiller.Method.QUD ? "qud" : "mse_kd", evaluate(student, heldOut), per));
            }
            MobileFaceNet scratch = student();
            double per = supervised("scratch student (labels, ArcFace)", scratch, pool, s.studentSteps());
            r.add(new Outcome("scratch", evaluate(scratch, heldOut), per));
        }
        Files.deleteIfExists(work.resolve("teacher-embeddings.bin"));
        return r;
    }

    private MobileFaceNet student() {
        MobileFaceNet.Config q = MobileFaceNet.Config.qud(s.dim());
        return new MobileFaceNet(new MobileFaceNet.Config(q.numFeatures(), q.blocks(), q.stem(), q.body(), q.expansions(), q.firstGroups(),
                q.head(), s.side(), false), s.seed() + 4);
    }

    /**
     * The reference's milestones scaled to a run of this many steps: the rate is cut by 10 at the
     * epochs (passes over the pool) nearest 60% and 85% of the run, at the earliest after the
     * first epoch; given as the reference's milestones (epoch + 1).
     */
    private int[] milestones(SyntheticPool pool, int steps) {
        double epochs = (double) steps / (pool.size() / s.batch());
        return new int[] {(int) Math.max(1, Math.round(0.6 * epochs)) + 1, (int) Math.max(1, Math.round(0.85 * epochs)) + 1};
    }

    /** Trains a backbone with labels: ArcFace (s 64, m 0.5) over all identities, the students' SGD and schedule; returns ms per step. */
    private double supervised(String name, Module net, SyntheticPool pool, int steps) {
        PartialFC head = new PartialFC(s.identities(), s.dim(), 1.0, Margin.arcFace(64, 0.5), new Generator(s.seed() + 5));
        List<ParamGroup> groups = List.of(ParamGroup.of(net.parameters(), 5e-4), ParamGroup.of(head.parameters(), 5e-4));
        SGD opt = new SGD(groups, s.lr(), 0.9);
        long spe = pool.size() / s.batch();
        int[] cuts = milestones(pool, steps);
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] -= 1;
        }
        LrSchedule schedule = LrSchedule.multiStep(s.lr(), spe, cuts, 0.1);
        net.train(true);
        long start = System.nanoTime();
        long cpu0 = cpuNanos();
        long fillNanos = 0;
        for (int t = 0; t < steps; t++) {
            try (Scope sc = Scope.open()) {
                int[] idx = Distiller.indices(t, pool.size(), s.batch(), s.seed() + 3);
                float[] x = new float[idx.length * 3 * s.side() * s.side()];
                long f0 = System.nanoTime();
                pool.fill(idx, x);
                fillNanos += System.nanoTime() - f0;
                opt.setLearningRate(schedule.lr(t));
                Tensor loss = head.loss(((Layer) net).forward(Tensor.of(x, idx.length, 3, s.side(), s.side())), Tensor.of(pool.labels(idx),
                        idx.length));
                double v = loss.item();
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException(name + " diverged at step " + (t + 1));
                }
                loss.backward();
                GradClip.clipNorm(net.parameters(), 5.0);
                opt.step();
                opt.zeroGrad();
                if (t == 0 || (t + 1) % Math.max(1, steps / 5) == 0) {
                    out.printf(Locale.ROOT, "  %s step %4d  loss %.3f  lr %.3g%n", name, t + 1, v, opt.learningRate());
                }
            }
        }
        double per = (System.nanoTime() - start) * 1e-6 / steps;
        out.printf(Locale.ROOT, "%s: %d steps, %.0f ms/step, of which %.0f ms making images; process CPU %.0f ms/step (%d steps per pass over %d images)%n",
                name, steps, per, fillNanos * 1e-6 / steps, (cpuNanos() - cpu0) * 1e-6 / steps, spe, pool.size());
        return per;
    }

    /** 10-fold verification accuracy on pairs of held-out identities: pair i is a same pair when i is even. */
    VerificationResult evaluate(Module net, SyntheticPool heldOut) {
        net.eval();
        int n = s.pairs();
        Generator g = new Generator(s.seed() + 77);
        int ids = s.heldOutIdentities();
        int[] a = new int[n];
        int[] b = new int[n];
        boolean[] same = new boolean[n];
        for (int i = 0; i < n; i++) {
            int x = g.nextInt(ids);
            int y = g.nextInt(ids - 1);
            same[i] = i % 2 == 0;
            a[i] = 2 * x;
            b[i] = same[i] ? 2 * x + 1 : 2 * (y >= x ? y + 1 : y) + 1;
        }
        float[][] ea = embed(net, heldOut, a);
        float[][] eb = embed(net, heldOut, b);
        net.train(true);
        return TenFoldVerification.evaluate("held-out", ea, eb, same);
    }

    private float[][] embed(Module net, SyntheticPool images, int[] idx) {
        float[][] e = new float[idx.length][];
        int side = images.side();
        try (Scope sc = Scope.open(); var off = GradMode.noGrad()) {
            for (int start = 0; start < idx.length; start += 64) {
                int[] part = java.util.Arrays.copyOfRange(idx, start, Math.min(idx.length, start + 64));
                float[] x = new float[part.length * 3 * side * side];
                images.fill(part, x);
                Tensor y = F.l2Normalize(((Layer) net).forward(Tensor.of(x, part.length, 3, side, side)), 1, 1e-12);
                float[] v = y.contiguous().toFloatArray();
                int d = y.size(1);
                for (int i = 0; i < part.length; i++) {
                    e[start + i] = java.util.Arrays.copyOfRange(v, i * d, (i + 1) * d);
                }
            }
        }
        return e;
    }

    /** CPU time of this process: on a busy machine, wall time over-states what a step costs. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A fingerprint of the teacher's weights, so a cache from another teacher is recomputed. */
    static long fingerprint(Module teacher) {
        long h = 1125899906842597L;
        for (var e : teacher.stateDict().entrySet()) {
            h = 31 * h + e.getKey().hashCode();
            for (float f : e.getValue().to(panface.tensor.DType.F32).contiguous().toFloatArray()) {
                h = 31 * h + Float.floatToIntBits(f);
            }
        }
        return h;
    }
}
