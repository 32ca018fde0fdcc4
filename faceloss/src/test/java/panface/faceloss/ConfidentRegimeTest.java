package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * The heads in float32 against the same heads in float64 on the same numbers, in the regime of
 * the middle and late part of training: each embedding at cosine 0.6-0.95 to its class centre,
 * 1,000 classes, s = 64. Covers the margin head (which Partial FC calls on its sampled centres),
 * Partial FC itself, and the LVFace/EPL loss with its prototype half.
 *
 * <p>Limit 2e-5 of the tensor's largest value (loss, gradients): the float32 cosines carry a
 * rounding of a few 1e-8, which s = 64 turns into a few 1e-6 relative in each exponential, and
 * the float32 log-sum-exp adds about 1e-6 (MarginDifferentialTest); a normaliser that loses the
 * negatives is off by O(1).
 */
class ConfidentRegimeTest {
    private static final double LIMIT = 2e-5;
    private static final int B = 6;
    private static final int C = 1000;
    private static final int D = 64;
    private static final double[] TARGETS = {0.6, 0.7, 0.8, 0.9, 0.95, 0.75};

    private record Inputs(double[] emb, double[] centres, double[] prototypes, long[] labels) {
    }

    /** Centres ~ N(0, 1); embedding i at cosine TARGETS[i] to its centre; prototypes a little off the centres. */
    private static Inputs inputs(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] w = gaussian(r, C * D);
        double[] p = new double[C * D];
        for (int i = 0; i < p.length; i++) {
            p[i] = w[i] + 0.2 * r.nextGaussian();
        }
        long[] y = new long[B];
        double[] e = new double[B * D];
        for (int i = 0; i < B; i++) {
            y[i] = (i * 389L + 17) % C;
            double[] c = unit(w, (int) y[i] * D);
            double[] u = gaussian(r, D);
            double dot = 0;
            for (int d = 0; d < D; d++) {
                dot += u[d] * c[d];
            }
            for (int d = 0; d < D; d++) {
                u[d] -= dot * c[d];
            }
            u = unit(u, 0);
            double sin = Math.sqrt(1 - TARGETS[i] * TARGETS[i]);
            for (int d = 0; d < D; d++) {
                e[i * D + d] = (2 + i) * (TARGETS[i] * c[d] + sin * u[d]);
            }
        }
        return new Inputs(e, w, p, y);
    }

    private static double[] gaussian(SplittableRandom r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    private static double[] unit(double[] v, int off) {
        double n = 0;
        for (int d = 0; d < D; d++) {
            n += v[off + d] * v[off + d];
        }
        double[] u = new double[D];
        for (int d = 0; d < D; d++) {
            u[d] = v[off + d] / Math.sqrt(n);
        }
        return u;
    }

    /** A head's loss and the gradients of the embeddings and centres, from inputs made in the dtype. */
    private interface Head {
        Tensor loss(Tensor emb, Tensor centres, Tensor prototypes, Tensor labels);
    }

    private static double[][] run(Head head, Inputs in, DType dtype) {
        Tensor emb = Tensor.of(in.emb(), B, D).to(dtype).requiresGrad(true);
        Tensor centres = Tensor.of(in.centres(), C, D).to(dtype).requiresGrad(true);
        Tensor prototypes = Tensor.of(in.prototypes(), C, D).to(dtype);
        Tensor loss = head.loss(emb, centres, prototypes, Tensor.of(in.labels(), B));
        loss.backward();
        return new double[][] {loss.to(DType.F64).toDoubleArray(), emb.grad().to(DType.F64).toDoubleArray(),
            centres.grad().to(DType.F64).toDoubleArray()};
    }

    private static void agree(String name, Head head) {
        Inputs in = inputs(name.hashCode());
        double[][] want = run(head, in, DType.F64);
        double[][] got = run(head, in, DType.F32);
        compare(name, want, got);
    }

    private static void compare(String name, double[][] want, double[][] got) {
        assertTrue(want[0][0] > 0.05, name + ": the case is meant to carry a real loss, got " + want[0][0]);
        String[] what = {"loss", "embedding gradient", "centre gradient"};
        for (int t = 0; t < want.length; t++) {
            double scale = 0;
            for (double v : want[t]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < want[t].length; i++) {
                if (!(Math.abs(got[t][i] - want[t][i]) <= LIMIT * scale)) {
                    fail(name + " " + what[t] + " element " + i + ": float32 " + got[t][i] + ", float64 " + want[t][i]
                            + " (largest " + scale + ")");
                }
            }
        }
    }

    @Test
    void marginHeadsAgreeWithFloat64() {
        for (Margin m : new Margin[] {Margin.arcFace(64, 0.5), Margin.cosFace(64, 0.4), Margin.arcFace(64, 0.5).withGradient(Margin.Gradient.EXACT)}) {
            agree("margin head " + m, (e, w, p, y) -> CombinedMarginHead.loss(e, y, w, m));
        }
    }

    @Test
    void partialFcOnItsSampledCentresAgreesWithFloat64() {
        // every label sampled plus every third class, sorted
        Inputs in = inputs(3);
        java.util.TreeSet<Long> keep = new java.util.TreeSet<>();
        for (long y : in.labels()) {
            keep.add(y);
        }
        for (long c = 0; c < C; c += 3) {
            keep.add(c);
        }
        long[] index = keep.stream().mapToLong(Long::longValue).toArray();
        int k = index.length;
        // float64: the margin head on the sampled centres, gathered and relabelled by hand
        double[] sampled = new double[k * D];
        long[] relabelled = new long[B];
        for (int j = 0; j < k; j++) {
            System.arraycopy(in.centres(), (int) index[j] * D, sampled, j * D, D);
            for (int i = 0; i < B; i++) {
                if (index[j] == in.labels()[i]) {
                    relabelled[i] = j;
                }
            }
        }
        Tensor e64 = Tensor.of(in.emb(), B, D).requiresGrad(true);
        Tensor w64 = Tensor.of(sampled, k, D).requiresGrad(true);
        Tensor l64 = CombinedMarginHead.loss(e64, Tensor.of(relabelled, B), w64, Margin.arcFace(64, 0.5));
        l64.backward();
        double[] wGrad64 = new double[C * D];
        double[] g = w64.grad().toDoubleArray();
        for (int j = 0; j < k; j++) {
            System.arraycopy(g, j * D, wGrad64, (int) index[j] * D, D);
        }
        // float32: Partial FC itself
        PartialFC fc = new PartialFC(C, D, (double) k / C, Margin.arcFace(64, 0.5), new Generator(1));
        try (var off = GradMode.noGrad()) {
            fc.weight().data().copyFrom(Tensor.of(in.centres(), C, D).to(fc.weight().data().dtype()));
        }
        Tensor e32 = Tensor.of(in.emb(), B, D).to(DType.F32).requiresGrad(true);
        Tensor l32 = fc.loss(e32, Tensor.of(in.labels(), B), Tensor.of(index, k));
        l32.backward();
        compare("partial fc", new double[][] {l64.toDoubleArray(), e64.grad().toDoubleArray(), wGrad64},
                new double[][] {l32.to(DType.F64).toDoubleArray(), e32.grad().to(DType.F64).toDoubleArray(),
                    fc.weight().grad().to(DType.F64).toDoubleArray()});
    }

    @Test
    void lvfaceEplLossAgreesWithFloat64() {
        for (boolean marginOnPrototypes : new boolean[] {false, true}) {
            EplLoss epl = new EplLoss(0.7, marginOnPrototypes);
            Margin m = Margin.cosFace(64, 0.4);
            agree("EPL, margin on prototypes " + marginOnPrototypes,
                    (e, w, p, y) -> epl.loss(CombinedMarginHead.loss(e, y, w, m), e, y, p, m));
        }
    }
}
