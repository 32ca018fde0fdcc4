package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * EPL (empirical prototype learning) and the LVFace curriculum built on it, against float64
 * computations of the reference's formulas written out in this file: the prototype update
 * P_y = normalize(a P_y + (1 - a) e^) with a = softsign(P_y . e^), and the loss
 * (CE(z^W) + CE(z^P)) / 2 with the adaptive margin z^P_y = s (v_y - k sg(v_y)).
 */
class EplLossTest {
    private static final double K = 0.7;
    private final Generator gen = new Generator(41);

    private Tensor rnd(int... shape) {
        return Tensor.randn(gen, shape).to(DType.F64);
    }

    /** The margin-applied target cosine cos(m1 acos(c) + m2) - m3 (no fallback, as the straight-through margins). */
    private static double marginTarget(Margin m, double c) {
        return Math.cos(m.m1() * Math.acos(c) + m.m2()) - m.m3();
    }

    /** The reference's prototype update, sample by sample in batch order, on the raw (possibly unnormalised) rows. */
    static double[][] updatedPrototypes(double[][] p0, double[][] e, long[] y, EmpiricalPrototypes.Rule rule) {
        double[][] p = new double[p0.length][];
        for (int c = 0; c < p0.length; c++) {
            p[c] = p0[c].clone();
        }
        for (int i = 0; i < y.length; i++) {
            double[] row = p[(int) y[i]];
            double[] x = Ref64.unit(e[i]);
            double t = Ref64.dot(row, x);
            double a = rule == EmpiricalPrototypes.Rule.SOFTSIGN ? t / (1 + Math.abs(t)) : 1 / (1 + Math.exp(1 - t));
            double[] next = new double[row.length];
            for (int d = 0; d < row.length; d++) {
                next[d] = a * row[d] + (1 - a) * x[d];
            }
            p[(int) y[i]] = Ref64.unit(next);
        }
        return p;
    }

    /**
     * EPL's loss and its gradient w.r.t. the embeddings: {loss, gradient rows...}. The W-half has
     * the margin on the target; the P-half the adaptive margin and, with marginOnPrototypes (as
     * the reference's Arcface_EPL), the margin too. Every margin is straight-through and k
     * multiplies a detached similarity, so d z / d cos = s everywhere.
     */
    private static double[][] expected(double[][] e, long[] y, double[][] w, double[][] p, Margin m, boolean marginOnPrototypes) {
        int b = e.length;
        double s = m.s();
        double[][] c = Ref64.cosines(e, w);
        double[][] v = Ref64.cosines(e, p);
        double[][] gW = new double[b][];
        double[][] gP = new double[b][];
        double ceW = 0;
        double ceP = 0;
        for (int i = 0; i < b; i++) {
            int t = (int) y[i];
            double[] zW = new double[w.length];
            double[] zP = new double[p.length];
            for (int j = 0; j < w.length; j++) {
                zW[j] = s * c[i][j];
                zP[j] = s * v[i][j];
            }
            zW[t] = s * marginTarget(m, c[i][t]);
            double shifted = v[i][t] - K * v[i][t];
            zP[t] = s * (marginOnPrototypes ? marginTarget(m, shifted) : shifted);
            ceW += Ref64.crossEntropy(zW, t);
            ceP += Ref64.crossEntropy(zP, t);
            gW[i] = Ref64.softmax(zW);
            gP[i] = Ref64.softmax(zP);
            gW[i][t] -= 1;
            gP[i][t] -= 1;
            for (int j = 0; j < w.length; j++) {
                gW[i][j] *= s / (2.0 * b);
                gP[i][j] *= s / (2.0 * b);
            }
        }
        double[][] fromW = Ref64.embeddingGradient(gW, e, w);
        double[][] fromP = Ref64.embeddingGradient(gP, e, p);
        double[][] out = new double[b + 1][];
        out[0] = new double[] {(ceW / b + ceP / b) / 2};
        for (int i = 0; i < b; i++) {
            out[i + 1] = new double[e[i].length];
            for (int d = 0; d < e[i].length; d++) {
                out[i + 1][d] = fromW[i][d] + fromP[i][d];
            }
        }
        return out;
    }

    @Test
    void lossAndGradientAreTheMeanOfBothHalvesWithTheDetachedAdaptiveMargin() {
        Tensor e = rnd(5, 6).mul(3);
        Tensor w = rnd(7, 6);
        Tensor p = rnd(7, 6);
        long[] labels = {2, 0, 6, 2, 4};
        Tensor y = Tensor.of(labels, labels.length);
        for (Margin m : new Margin[] {Margin.cosFace(16, 0.35), Margin.arcFace(16, 0.5), Margin.arcFace(64, 0.5)}) {
            for (boolean onPrototypes : new boolean[] {false, true}) {
                String what = m + (onPrototypes ? ", margin on both halves (Arcface_EPL)" : ", adaptive margin only on P (CosFace_EPL)");
                Tensor x = e.detach().requiresGrad(true);
                Tensor protos = p.detach().requiresGrad(true);
                EplLoss epl = new EplLoss(K, onPrototypes);
                Tensor l = epl.loss(CombinedMarginHead.loss(x, y, w, m), x, y, protos, m);
                l.backward();
                double[][] want = expected(Ref64.rows(e), labels, Ref64.rows(w), Ref64.rows(p), m, onPrototypes);
                // float64 throughout: only summation order differs
                assertEquals(want[0][0], l.item(), 1e-12 * Math.max(1, want[0][0]), what);
                double[][] grad = Arrays.copyOfRange(want, 1, want.length);
                assertArrayEquals(Ref64.flat(grad), x.grad().toDoubleArray(), 1e-12, "gradient, " + what);
                assertNull(protos.grad(), "the prototypes get no gradient");
            }
        }
    }

    @Test
    void prototypesFollowTheReferenceUpdateRule() {
        Tensor e = rnd(6, 4).to(DType.F32);
        long[] labels = {1, 3, 1, 1, 0, 3};
        for (EmpiricalPrototypes.Rule rule : EmpiricalPrototypes.Rule.values()) {
            EmpiricalPrototypes p = new EmpiricalPrototypes(5, 4, rule, new Generator(6));
            double[][] before = Ref64.rows(p.prototypes());
            p.update(e, Tensor.of(labels, labels.length));
            double[][] want = updatedPrototypes(before, Ref64.rows(e), labels, rule);
            // the update runs in float32: a few ulps of 1 on unit rows
            assertArrayEquals(Ref64.flat(want), p.prototypes().toDoubleArray(), 1e-6, rule.name());
        }
    }

    @Test
    void curriculumLossIsArcFaceEarlyAndHalfArcFaceHalfPrototypesAfterTheSwitch() {
        Margin arc = Margin.arcFace(64, 0.5);
        LVFaceCurriculum.Config cfg = new LVFaceCurriculum.Config(2, arc, 1.0, K, true, EmpiricalPrototypes.Rule.SOFTSIGN, false);
        LVFaceCurriculum cur = new LVFaceCurriculum(cfg, 10, 8, new Generator(7));
        Tensor w = rnd(10, 8);
        Tensor p0 = rnd(10, 8);
        cur.bind(Map.of("fc.weight", w, "epl.prototypes", p0));
        long[] labels = {1, 2, 3, 3, 9, 0};
        Tensor y = Tensor.of(labels, labels.length);
        Tensor e0 = rnd(6, 8);
        Tensor e2 = rnd(6, 8).mul(5);
        double[][] wr = Ref64.rows(w);
        // bound tensors are the module's own: read the prototypes before the step changes them
        double[][] p1 = updatedPrototypes(Ref64.rows(p0), Ref64.rows(e0), labels, EmpiricalPrototypes.Rule.SOFTSIGN);

        double early = cur.loss(e0, y, 0).item();
        double ceW = 0;
        double[][] c = Ref64.cosines(Ref64.rows(e0), wr);
        for (int i = 0; i < labels.length; i++) {
            double[] z = c[i].clone();
            z[(int) labels[i]] = marginTarget(arc, z[(int) labels[i]]);
            for (int j = 0; j < z.length; j++) {
                z[j] *= arc.s();
            }
            ceW += Ref64.crossEntropy(z, (int) labels[i]);
        }
        assertEquals(ceW / labels.length, early, 1e-10, "early stage: ArcFace alone");
        // prototypes are folded in float32: a few ulps of 1 on unit rows
        assertArrayEquals(Ref64.flat(p1), cur.prototypes().prototypes().toDoubleArray(), 1e-6, "prototypes warm from the first step");

        double stable = cur.loss(e2, y, 2).item();
        double[][] p2 = updatedPrototypes(p1, Ref64.rows(e2), labels, EmpiricalPrototypes.Rule.SOFTSIGN);
        double want = expected(Ref64.rows(e2), labels, wr, p2, arc, false)[0][0];
        // float32 prototypes (about 1e-7) enter logits scaled by s = 64
        assertEquals(want, stable, 1e-4, "stable stage: (CE(z^W) + CE(z^P)) / 2 with the prototypes updated from this batch first");
    }
}
