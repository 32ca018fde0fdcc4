package panface.examples.lafs;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import panface.nn.Parameter;
import panface.nn.lafs.DinoHead;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * A pretraining run's health, logged every few iterations: how sharp the teacher's and the
 * student's distributions are per image and over the batch (a healthy DINO has a low per-image
 * and a high batch-mean entropy; both at ln K is the uniform collapse, both low is every image
 * on one prototype), how much of the teacher's features and bottleneck directions is common to
 * every image, how spread the last layer's prototypes are, the gradient norm and the relative
 * update of each part of the student, and (less often) the teacher's held-out verification.
 */
final class LafsDiagnostics implements LafsPretrainer.Observer {
    private final LafsPretrainer run;
    private final long every;
    private final long evalEvery;
    private final Supplier<String> evaluate;
    private final PrintStream out;
    private Map<String, float[]> previous;

    /** Logs every {@code every} iterations and, every {@code evalEvery} (0: never), the line evaluate gives. */
    LafsDiagnostics(LafsPretrainer run, long every, long evalEvery, Supplier<String> evaluate, PrintStream out) {
        this.run = run;
        this.every = every;
        this.evalEvery = evalEvery;
        this.evaluate = evaluate;
        this.out = out;
        this.previous = snapshot();
    }

    private boolean due(long iteration) {
        return iteration % every == 0;
    }

    @Override
    public void outputs(long iteration, Tensor globals, Tensor teacher, Tensor student, Tensor center, double teacherTemperature) {
        if (!due(iteration)) {
            return;
        }
        try (var g = GradMode.noGrad()) {
            int k = teacher.size(1);
            int nt = teacher.size(0);
            // the targets the loss will use (the centre not yet moved by this step)
            float[] q = run.loss().teacherProbabilities(teacher, teacherTemperature).toFloatArray();
            float[] s = student.detach().narrow(0, 0, nt).toFloatArray();
            double[] te = entropies(q, nt, k, 0);
            double[] se = entropies(s, nt, k, run.temperatures().student());
            double spread = logitSpread(teacher.toFloatArray(), nt, k);
            // in evaluation mode, so the probe draws nothing from the teacher's dropout generator
            boolean training = run.teacher().isTraining();
            run.teacher().eval();
            Tensor f = run.teacher().forwardTokens(globals);
            run.teacher().train(training);
            float[] feats = f.toFloatArray();
            float[] bottleneck = run.teacherHead().bottleneck(f).toFloatArray();
            out.printf(Locale.ROOT, "diag %d: teacher H %.3f batch-mean H %.3f (ln K %.3f) winners %d/%d logit std %.4f (tau %.3f); "
                            + "student H %.3f batch-mean H %.3f; teacher features cos %.3f common %.3f, bottleneck cos %.3f; prototypes cos %s%n",
                    iteration, te[0], te[1], Math.log(k), (int) te[2], k, spread, teacherTemperature, se[0], se[1],
                    pairwiseCosines(feats, nt)[0], commonShare(feats, nt), pairwiseCosines(bottleneck, nt)[0], prototypeCosines(run.teacherHead()));
            double[] fa = viewAgreement(feats, nt);
            double[] ba = viewAgreement(bottleneck, nt);
            out.printf(Locale.ROOT, "diag %d: view agreement (cosine of batch-centred outputs, the two global views of one image vs of two images): "
                    + "features %.3f vs %.3f, bottleneck %.3f vs %.3f%n", iteration, fa[0], fa[1], ba[0], ba[1]);
        }
        if (evalEvery > 0 && iteration % evalEvery == 0 && evaluate != null) {
            out.println("diag " + iteration + ": teacher held-out " + evaluate.get());
        }
    }

    @Override
    public void gradients(long iteration) {
        if (!due(iteration)) {
            return;
        }
        Map<String, double[]> norms = new LinkedHashMap<>();
        try (var g = GradMode.noGrad()) {
            forEach((group, p) -> {
                double n = p.grad() == null ? 0 : p.grad().norm(2, null, false).item();
                norms.computeIfAbsent(group, x -> new double[1])[0] += n * n;
            });
        }
        Map<String, float[]> now = snapshot();
        StringBuilder b = new StringBuilder("diag " + iteration + ": grad norm / relative update since last:");
        for (Map.Entry<String, double[]> e : norms.entrySet()) {
            float[] a = previous.get(e.getKey());
            float[] c = now.get(e.getKey());
            double d = 0;
            double n = 0;
            for (int i = 0; i < c.length; i++) {
                d += (c[i] - a[i]) * (double) (c[i] - a[i]);
                n += a[i] * (double) a[i];
            }
            b.append(String.format(Locale.ROOT, " %s %.2e/%.2e", e.getKey(), Math.sqrt(e.getValue()[0]), Math.sqrt(d / Math.max(n, 1e-30))));
        }
        previous = now;
        out.println(b);
    }

    /** The parts of the student whose gradients and updates are reported. */
    private static String group(String module, String key) {
        if (module.equals("head")) {
            return key.startsWith("last_layer") ? "last" : "head";
        }
        if (key.startsWith("patch_to_embedding")) {
            return "patch";
        }
        if (key.startsWith("pos_embedding") || key.startsWith("cls_token")) {
            return "pos+cls";
        }
        return key.startsWith("transformer") ? "blocks" : "norm";
    }

    private interface ParamVisitor {
        void visit(String group, Parameter p);
    }

    private void forEach(ParamVisitor v) {
        run.student().namedParameters().forEach((k, p) -> v.visit(group("backbone", k), p));
        run.studentHead().namedParameters().forEach((k, p) -> {
            if (p.requiresGrad()) {
                v.visit(group("head", k), p);
            }
        });
    }

    private Map<String, float[]> snapshot() {
        Map<String, java.util.List<float[]>> parts = new LinkedHashMap<>();
        forEach((group, p) -> parts.computeIfAbsent(group, x -> new java.util.ArrayList<>()).add(p.data().toFloatArray()));
        Map<String, float[]> flat = new LinkedHashMap<>();
        parts.forEach((group, list) -> {
            int n = list.stream().mapToInt(a -> a.length).sum();
            float[] f = new float[n];
            int at = 0;
            for (float[] a : list) {
                System.arraycopy(a, 0, f, at, a.length);
                at += a.length;
            }
            flat.put(group, f);
        });
        return flat;
    }

    /**
     * Mean per-row entropy of softmax(x / tau) (of the rows themselves, probabilities, when tau is 0),
     * entropy of the rows' mean distribution, and how many distinct argmaxes.
     */
    static double[] entropies(float[] x, int n, int k, double tau) {
        double[] mean = new double[k];
        double per = 0;
        java.util.Set<Integer> winners = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < k; j++) {
                if (x[i * k + j] > max) {
                    max = x[i * k + j];
                    arg = j;
                }
            }
            winners.add(arg);
            double z = 0;
            double[] p = new double[k];
            for (int j = 0; j < k; j++) {
                p[j] = tau == 0 ? x[i * k + j] : Math.exp((x[i * k + j] - max) / tau);
                z += p[j];
            }
            for (int j = 0; j < k; j++) {
                p[j] /= z;
                mean[j] += p[j] / n;
                if (p[j] > 0) {
                    per -= p[j] * Math.log(p[j]) / n;
                }
            }
        }
        double h = 0;
        for (double m : mean) {
            if (m > 0) {
                h -= m * Math.log(m);
            }
        }
        return new double[] {per, h, winners.size()};
    }

    /** The mean over outputs of the standard deviation over rows. */
    private static double logitSpread(float[] x, int n, int k) {
        double total = 0;
        for (int j = 0; j < k; j++) {
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += x[i * k + j] / (double) n;
            }
            double v = 0;
            for (int i = 0; i < n; i++) {
                v += (x[i * k + j] - m) * (x[i * k + j] - m) / n;
            }
            total += Math.sqrt(v);
        }
        return total / k;
    }

    /** The mean and the largest cosine over distinct pairs of the n rows of x. */
    private static double[] pairwiseCosines(float[] x, int n) {
        int d = x.length / n;
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                norm[i] += x[i * d + j] * (double) x[i * d + j];
            }
            norm[i] = Math.sqrt(norm[i]) + 1e-12;
        }
        double total = 0;
        double max = -1;
        int pairs = 0;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += x[a * d + j] * (double) x[b * d + j];
                }
                double c = dot / (norm[a] * norm[b]);
                total += c;
                max = Math.max(max, c);
                pairs++;
            }
        }
        return new double[] {total / pairs, max};
    }

    /**
     * With rows [first views; second views] of the same images, centred on the rows' mean: the mean
     * cosine of an image's two views, and of the first view of one image with the second of the next.
     * What DINO can amplify is what the views of one image share beyond what any two images share.
     */
    private static double[] viewAgreement(float[] x, int n) {
        int d = x.length / n;
        int b = n / 2;
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i * d + j] / (double) n;
            }
        }
        double same = 0;
        double other = 0;
        for (int i = 0; i < b; i++) {
            same += centredCosine(x, i, b + i, mean) / b;
            other += centredCosine(x, i, b + (i + 1) % b, mean) / b;
        }
        return new double[] {same, other};
    }

    private static double centredCosine(float[] x, int a, int c, double[] mean) {
        int d = mean.length;
        double dot = 0;
        double na = 0;
        double nc = 0;
        for (int j = 0; j < d; j++) {
            double u = x[a * d + j] - mean[j];
            double v = x[c * d + j] - mean[j];
            dot += u * v;
            na += u * u;
            nc += v * v;
        }
        return dot / Math.sqrt(na * nc + 1e-300);
    }

    /** ||mean row||^2 / mean ||row||^2: the share of the rows' energy common to all of them. */
    private static double commonShare(float[] x, int n) {
        int d = x.length / n;
        double[] mean = new double[d];
        double energy = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i * d + j] / (double) n;
                energy += x[i * d + j] * (double) x[i * d + j] / n;
            }
        }
        double m = 0;
        for (double v : mean) {
            m += v * v;
        }
        return m / energy;
    }

    /** Mean and largest cosine between distinct prototypes (the last layer's rows). */
    private static String prototypeCosines(DinoHead head) {
        double[] c = pairwiseCosines(head.lastLayerV().data().toFloatArray(), head.lastLayerV().shape()[0]);
        return String.format(Locale.ROOT, "mean %.3f max %.3f", c[0], c[1]);
    }
}
