package panface.faceloss;

import panface.nn.Buffer;
import panface.nn.Module;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * DINO's self-distillation loss with teacher centring and sharpening, as LAFS uses it: teacher
 * probabilities softmax((t - center) / tau_t) (no gradient), student log-probabilities at
 * tau_s, the cross-entropy averaged over every (teacher view, student view) pair except a view
 * with itself, then center = m * center + (1 - m) * mean(teacher outputs) (after the loss, on the
 * raw logits). The teacher temperature warms linearly over warmupEpochs (LAFS: 0.07 to 0.04 over
 * 30 epochs, unlike DINO's 0.04 to 0.07). Key: center.
 *
 * <p>{@link Centering#SINKHORN_KNOPP} replaces the centring by DINOv2's Sinkhorn-Knopp
 * normalisation of the teacher: exp(t / tau_t) over the batch's teacher outputs (all teacher views
 * together) is scaled alternately so that every prototype holds the same mass over the batch and
 * every image sums to 1, for a few iterations. Unlike the running centre this holds within every
 * batch, so neither collapse (one prototype for every image; every image uniform over the
 * prototypes, which the centre cannot tell from a batch whose images differ by little) can
 * settle. The centre is then left untouched.
 */
public final class DinoLoss extends Module {
    /** How the teacher's outputs are kept from collapsing. */
    public enum Centering {
        /** DINO and LAFS: subtract a running mean of the teacher's logits. */
        EMA,
        /** DINOv2 (after SwAV): three Sinkhorn-Knopp iterations over the batch. */
        SINKHORN_KNOPP
    }

    /** Sinkhorn-Knopp iterations, DINOv2's. */
    public static final int SINKHORN_ITERATIONS = 3;
    private final Buffer center;
    private final int studentViews;
    private final int teacherViews;
    private final double studentTemp;
    private final double warmupTeacherTemp;
    private final double teacherTemp;
    private final int warmupEpochs;
    private final double centerMomentum;
    private final Centering centering;

    public DinoLoss(int outDim, int studentViews, int teacherViews, double studentTemp, double warmupTeacherTemp, double teacherTemp,
                    int warmupEpochs, double centerMomentum) {
        this(outDim, studentViews, teacherViews, studentTemp, warmupTeacherTemp, teacherTemp, warmupEpochs, centerMomentum, Centering.EMA);
    }

    /** The loss with a chosen centring of the teacher. */
    public DinoLoss(int outDim, int studentViews, int teacherViews, double studentTemp, double warmupTeacherTemp, double teacherTemp,
                    int warmupEpochs, double centerMomentum, Centering centering) {
        if (teacherViews > studentViews) {
            throw new IllegalArgumentException("DINO pairs teacher views with the first student views: teacher views " + teacherViews
                    + " exceed student views " + studentViews);
        }
        this.center = buffer("center", Tensor.zeros(1, outDim));
        this.studentViews = studentViews;
        this.teacherViews = teacherViews;
        this.studentTemp = studentTemp;
        this.warmupTeacherTemp = warmupTeacherTemp;
        this.teacherTemp = teacherTemp;
        this.warmupEpochs = warmupEpochs;
        this.centerMomentum = centerMomentum;
        this.centering = centering;
    }

    public Centering centering() {
        return centering;
    }

    /** LAFS's settings: 10 student views (2 global + 8 local), 2 teacher views, tau_s 0.1, tau_t 0.07 to 0.04 over 30 epochs, m 0.9. */
    public static DinoLoss lafs(int outDim) {
        return new DinoLoss(outDim, 10, 2, 0.1, 0.07, 0.04, 30, 0.9);
    }

    public Tensor center() {
        return center.data();
    }

    /** The teacher temperature of an epoch. */
    public double teacherTemperature(int epoch) {
        if (epoch >= warmupEpochs || warmupEpochs <= 1) {
            return epoch >= warmupEpochs ? teacherTemp : warmupTeacherTemp;
        }
        return warmupTeacherTemp + (teacherTemp - warmupTeacherTemp) * epoch / (warmupEpochs - 1);
    }

    /** The loss of student outputs (S*B, K) against teacher outputs (T*B, K); updates the centre. */
    public Tensor loss(Tensor student, Tensor teacher, int epoch) {
        return loss(student, teacher, teacherTemperature(epoch));
    }

    /** The loss at an explicit teacher temperature. */
    public Tensor loss(Tensor student, Tensor teacher, double tempT) {
        int b = student.size(0) / studentViews;
        if (student.size(0) != b * studentViews || teacher.size(0) != b * teacherViews) {
            throw new IllegalArgumentException("DINO expects (S*B, K) student and (T*B, K) teacher outputs with S=" + studentViews + ", T="
                    + teacherViews + ", got " + student.describe() + " and " + teacher.describe());
        }
        Tensor logp = F.logSoftmax(student.div(studentTemp), -1);
        Tensor q = teacherProbabilities(teacher, tempT);
        Tensor total = null;
        int pairs = 0;
        for (int t = 0; t < teacherViews; t++) {
            Tensor qt = q.narrow(0, t * b, b);
            for (int v = 0; v < studentViews; v++) {
                if (v == t) {
                    continue;
                }
                Tensor term = qt.mul(logp.narrow(0, v * b, b)).sum(1, false).neg().mean();
                total = total == null ? term : total.add(term);
                pairs++;
            }
        }
        if (centering == Centering.EMA) {
            updateCenter(teacher);
        }
        return total.div(pairs);
    }

    /**
     * The teacher's targets (T*B, K) of its outputs at a temperature, without gradient: the centred
     * softmax, or the Sinkhorn-Knopp normalised exp(t / tau_t) (each row sums to 1, each column to
     * T*B / K after the last iteration's row step).
     */
    public Tensor teacherProbabilities(Tensor teacher, double tempT) {
        try (var g = GradMode.noGrad()) {
            if (centering == Centering.EMA) {
                return F.softmax(teacher.detach().sub(center.data()).div(tempT), -1);
            }
            int n = teacher.size(0);
            int k = teacher.size(1);
            // each prototype's largest logit over the batch subtracted (the column normalisation cancels it): exp stays in
            // range and every column keeps an entry of 1, so no column sum underflows at a low temperature
            Tensor t = teacher.detach();
            Tensor q = t.sub(t.max(0, true)).div(tempT).exp();
            q = q.div(q.sum());
            for (int it = 0; it < SINKHORN_ITERATIONS; it++) {
                q = q.div(q.sum(0, true)).div(k);
                q = q.div(q.sum(1, true)).div(n);
            }
            return q.mul(n);
        }
    }

    private void updateCenter(Tensor teacher) {
        try (var g = GradMode.noGrad()) {
            Tensor batchCenter = teacher.detach().mean(0, true);
            center.data().copyFrom(center.data().mul(centerMomentum).add(batchCenter.mul(1 - centerMomentum)));
        }
    }
}
