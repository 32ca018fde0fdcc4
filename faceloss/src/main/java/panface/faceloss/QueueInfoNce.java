package panface.faceloss;

import panface.nn.Buffer;
import panface.nn.Init;
import panface.nn.Module;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * QUD's queue distillation loss: InfoNCE of the student feature against its teacher feature (the
 * positive) and a queue of earlier teacher features (the negatives), L = CE([q.k | q.Q] / tau,
 * 0). The queue used is a snapshot taken before the current teacher batch is enqueued (a ring
 * buffer: rows ptr.. ptr+B, wrapping). Features are L2-normalised when {@code normalize}. Paper
 * default tau = 0.1 (the code's default is 0.07), queue 1024. Keys: queue (N, E), queue_ptr.
 */
public final class QueueInfoNce extends Module {
    private final Buffer queue;
    private final Buffer ptr;
    private final double tau;
    private final boolean normalize;

    /** A queue of N random unit rows (random negatives until it fills). */
    public QueueInfoNce(int queueSize, int dim, double tau, boolean normalize, Generator gen) {
        if (!(tau > 0) || queueSize <= 0) {
            throw new IllegalArgumentException("InfoNCE needs tau > 0 and a non-empty queue");
        }
        this.queue = buffer("queue", F.l2Normalize(Init.normal(gen, 0, 1, queueSize, dim), 1, 1e-12));
        this.ptr = buffer("queue_ptr", Tensor.zeros(panface.tensor.DType.I64));
        this.tau = tau;
        this.normalize = normalize;
    }

    public Tensor queue() {
        return queue.data();
    }

    /** The next row to overwrite. */
    public long pointer() {
        return ptr.data().toLongArray()[0];
    }

    /** Sets the queue and pointer (to resume, or in tests). */
    public void setState(Tensor q, long p) {
        queue.set(q);
        try (var g = GradMode.noGrad()) {
            ptr.data().fillInPlace(p);
        }
    }

    /** The loss of student features (B, E) against teacher features (B, E); then enqueues the teacher batch. */
    public Tensor loss(Tensor student, Tensor teacher) {
        if (student.dim() != 2 || !java.util.Arrays.equals(student.shape(), teacher.shape()) || student.size(1) != queue.data().size(1)) {
            throw new IllegalArgumentException("InfoNCE expects student and teacher (B, E) with E = " + queue.data().size(1) + ", got "
                    + student.describe() + " and " + teacher.describe());
        }
        Tensor q = normalize ? F.l2Normalize(student, 1, 1e-12) : student;
        Tensor k = (normalize ? F.l2Normalize(teacher.detach(), 1, 1e-12) : teacher.detach()).to(q.dtype());
        Tensor snapshot = queue.data().detach().to(q.dtype()).copy();
        Tensor pos = q.mul(k).sum(1, true);                        // (B, 1)
        Tensor neg = q.matmul(snapshot.mT());                      // (B, N)
        Tensor logits = F.cat(java.util.List.of(pos, neg), 1).div(tau);
        Tensor loss = F.crossEntropy(logits, Tensor.zeros(panface.tensor.DType.I64, q.size(0)));
        enqueue(k);
        return loss;
    }

    private void enqueue(Tensor keys) {
        int n = queue.data().size(0);
        int b = keys.size(0);
        long p = pointer();
        try (var g = GradMode.noGrad()) {
            for (int i = 0; i < b; i++) {
                queue.data().select(0, (int) ((p + i) % n)).copyFrom(keys.select(0, i));
            }
            ptr.data().fillInPlace((p + b) % n);
        }
    }
}
