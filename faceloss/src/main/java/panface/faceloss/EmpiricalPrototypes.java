package panface.faceloss;

import panface.nn.Buffer;
import panface.nn.Init;
import panface.nn.Module;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * EPL's empirical class prototypes P (C, D): a buffer, randn-initialised (rows not normalised),
 * updated without gradient every step from the normalised embeddings of each class:
 * a = softsign(P_y . e), P_y = normalize(a P_y + (1 - a) e). Duplicate labels in a batch are
 * applied one after the other in batch order (deterministic; the reference's indexed assignment
 * lets the last write win nondeterministically on a GPU). Key: prototypes.
 */
public final class EmpiricalPrototypes extends Module {
    /** How the mixing weight a follows from the similarity t = P_y . e. */
    public enum Rule {
        /** t / (1 + |t|), the reference code's default */
        SOFTSIGN,
        /** sigmoid(t - 1), the code's alternative (the paper writes sigma(s(x, P))) */
        SIGMOID
    }

    private final Buffer prototypes;
    private final Rule rule;

    public EmpiricalPrototypes(int numClasses, int dim, Rule rule, Generator gen) {
        this.prototypes = buffer("prototypes", Init.normal(gen, 0, 1, numClasses, dim));
        this.rule = rule;
    }

    /** The prototypes (C, D). */
    public Tensor prototypes() {
        return prototypes.data();
    }

    /** Folds a batch of embeddings (B, D) with labels (B) into the prototypes. */
    public void update(Tensor embeddings, Tensor labels) {
        Tensor p = prototypes.data();
        int dim = p.size(1);
        float[] e = Heads.normalize(embeddings.detach().to(DType.F32)).toFloatArray();
        long[] y = labels.toLongArray();
        Tensor rows = Tensor.of(y, y.length);
        float[] cur = panface.tensor.F.indexSelect(p.detach(), 0, rows).to(DType.F32).toFloatArray();
        java.util.Map<Long, float[]> latest = new java.util.LinkedHashMap<>();
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= p.size(0)) {
                throw new IndexOutOfBoundsException("label " + y[i] + " is outside [0, " + p.size(0) + ")");
            }
            float[] row = latest.containsKey(y[i]) ? latest.get(y[i]) : java.util.Arrays.copyOfRange(cur, i * dim, (i + 1) * dim);
            double t = 0;
            for (int d = 0; d < dim; d++) {
                t += (double) row[d] * e[i * dim + d];
            }
            double a = rule == Rule.SOFTSIGN ? t / (1 + Math.abs(t)) : 1 / (1 + Math.exp(-(t - 1)));
            double norm = 0;
            float[] next = new float[dim];
            for (int d = 0; d < dim; d++) {
                next[d] = (float) (a * row[d] + (1 - a) * e[i * dim + d]);
                norm += (double) next[d] * next[d];
            }
            double inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
            for (int d = 0; d < dim; d++) {
                next[d] = (float) (next[d] * inv);
            }
            latest.put(y[i], next);
        }
        try (var g = panface.tensor.autograd.GradMode.noGrad()) {
            for (java.util.Map.Entry<Long, float[]> en : latest.entrySet()) {
                p.select(0, (int) (long) en.getKey()).copyFrom(Tensor.of(en.getValue(), dim));
            }
        }
    }
}
