package panface.faceloss;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import panface.nn.Buffer;
import panface.nn.Init;
import panface.nn.Module;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * QUD's queue distillation loss: InfoNCE of the student feature against its teacher feature (the
 * positive) and a queue of earlier teacher features (the negatives), L = CE([q.k | q.Q] / tau,
 * 0), mean over the batch. The queue used is a snapshot taken before the current teacher batch
 * is enqueued, so a key is never a negative of itself. Features are L2-normalised when {@code
 * normalize}. Keys: queue (N, E) (the reference stores its transpose, (E, N)), queue_ptr, and
 * queue_count under the similar/dissimilar replacement policies.
 *
 * <p>{@link Config#paper()} is the paper's setting (tau 0.1, queue 1024), {@link Config#code()}
 * the released code's default temperature (0.07). Built from a {@link Config}, the queue is the
 * reference's ring: the keys of every rank (gathered in rank order by {@link #setKeyGather})
 * are written at ptr.. ptr+G and the queue size must be a multiple of G. The older constructor
 * keeps a general ring that wraps a batch across the end.
 */
public final class QueueInfoNce extends Module {
    /** The paper's temperature. */
    public static final double PAPER_TAU = 0.1;
    /** The temperature the released code uses by default. */
    public static final double CODE_TAU = 0.07;
    /** The paper's queue length. */
    public static final int PAPER_QUEUE = 1024;

    /** How keys enter a full queue. */
    public enum Replacement {
        /** Ring buffer: the oldest keys leave (the reference's default). */
        NORMAL,
        /** Once full, each new key replaces the queue entry most similar to it ("simQ"). */
        SIMILAR,
        /** Once full, each new key replaces the queue entry least similar to it ("dissimQ"). */
        DISSIMILAR
    }

    /** The loss's settings. */
    public record Config(int queueSize, double tau, boolean normalize, Replacement replacement) {
        public Config {
            if (!(tau > 0) || queueSize <= 0 || replacement == null) {
                throw new IllegalArgumentException("InfoNCE needs tau > 0, a non-empty queue and a replacement policy");
            }
        }

        /** The paper: tau 0.1, queue 1024, normalised features, ring buffer. */
        public static Config paper() {
            return new Config(PAPER_QUEUE, PAPER_TAU, true, Replacement.NORMAL);
        }

        /** The released code's default: tau 0.07, queue 1024. */
        public static Config code() {
            return new Config(PAPER_QUEUE, CODE_TAU, true, Replacement.NORMAL);
        }

        public Config withTau(double t) {
            return new Config(queueSize, t, normalize, replacement);
        }

        public Config withQueueSize(int k) {
            return new Config(k, tau, normalize, replacement);
        }

        public Config withReplacement(Replacement r) {
            return new Config(queueSize, tau, normalize, r);
        }
    }

    private final Buffer queue;
    private final Buffer ptr;
    private final Buffer count;
    private final Config config;
    private final boolean strictRing;
    private UnaryOperator<Tensor> gather = UnaryOperator.identity();

    /** A queue of N random unit rows (random negatives until it fills); a general ring that may wrap a batch. */
    public QueueInfoNce(int queueSize, int dim, double tau, boolean normalize, Generator gen) {
        this(new Config(queueSize, tau, normalize, Replacement.NORMAL), dim, gen, false);
    }

    /** The reference's queue: random unit rows, the queue size a multiple of the gathered batch. */
    public QueueInfoNce(Config config, int dim, Generator gen) {
        this(config, dim, gen, true);
    }

    private QueueInfoNce(Config config, int dim, Generator gen, boolean strictRing) {
        this.config = config;
        this.strictRing = strictRing;
        this.queue = buffer("queue", F.l2Normalize(Init.normal(gen, 0, 1, config.queueSize(), dim), 1, 1e-12));
        this.ptr = buffer("queue_ptr", Tensor.zeros(DType.I64));
        this.count = config.replacement() == Replacement.NORMAL ? null : buffer("queue_count", Tensor.zeros(DType.I64));
    }

    public Config config() {
        return config;
    }

    /**
     * Sets how this rank's teacher keys become the keys of every rank, concatenated in rank
     * order (an all-gather), before they are enqueued. Single process: the identity.
     */
    public void setKeyGather(UnaryOperator<Tensor> allGather) {
        this.gather = allGather;
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

    /** The loss of student features (B, E) against teacher features (B, E); then enqueues the (gathered) teacher batch. */
    public Tensor loss(Tensor student, Tensor teacher) {
        if (student.dim() != 2 || !Arrays.equals(student.shape(), teacher.shape()) || student.size(1) != queue.data().size(1)) {
            throw new IllegalArgumentException("InfoNCE expects student and teacher (B, E) with E = " + queue.data().size(1) + ", got "
                    + student.describe() + " and " + teacher.describe());
        }
        boolean norm = config.normalize();
        Tensor q = norm ? F.l2Normalize(student, 1, 1e-12) : student;
        Tensor k = (norm ? F.l2Normalize(teacher.detach(), 1, 1e-12) : teacher.detach()).to(q.dtype());
        Tensor snapshot = queue.data().detach().to(q.dtype()).copy();
        Tensor pos = q.mul(k).sum(1, true);                        // (B, 1)
        Tensor neg = q.matmul(snapshot.mT());                      // (B, N)
        Tensor logits = F.cat(List.of(pos, neg), 1).div(config.tau());
        Tensor loss = F.crossEntropy(logits, Tensor.zeros(DType.I64, q.size(0)));
        Tensor keys;
        try (var g = GradMode.noGrad()) {
            keys = gather.apply(k);
        }
        enqueue(keys);
        return loss;
    }

    /** Writes keys (G, E) into the queue under the configured policy. */
    public void enqueue(Tensor keys) {
        int n = queue.data().size(0);
        int g = keys.size(0);
        if (strictRing && n % g != 0) {
            throw new IllegalArgumentException("the queue size " + n + " must be a multiple of the keys enqueued per step (batch x ranks = " + g
                    + "), as the reference asserts; choose a queue of " + Math.max(g, n / g * g) + " or a batch that divides " + n);
        }
        long seen = count == null ? 0 : count.data().toLongArray()[0];
        try (var off = GradMode.noGrad()) {
            Tensor src = keys.detach().to(queue.data().dtype());
            if (count != null && seen >= n) {
                replace(src);
            } else {
                long p = pointer();
                for (int i = 0; i < g; i++) {
                    queue.data().select(0, (int) ((p + i) % n)).copyFrom(src.select(0, i));
                }
                ptr.data().fillInPlace((p + g) % n);
            }
            if (count != null) {
                count.data().fillInPlace(Math.min(seen + g, (long) n));
            }
        }
    }

    /** Each key, in order, replaces the most (or least) similar entry not yet replaced by this batch. */
    private void replace(Tensor keys) {
        int n = queue.data().size(0);
        int g = keys.size(0);
        if (g > n) {
            throw new IllegalArgumentException("cannot replace " + g + " entries of a queue of " + n);
        }
        double[] sim = keys.matmul(queue.data().mT()).to(DType.F64).toDoubleArray();
        boolean[] taken = new boolean[n];
        boolean most = config.replacement() == Replacement.SIMILAR;
        for (int i = 0; i < g; i++) {
            int best = -1;
            for (int j = 0; j < n; j++) {
                if (!taken[j] && (best < 0 || (most ? sim[i * n + j] > sim[i * n + best] : sim[i * n + j] < sim[i * n + best]))) {
                    best = j;
                }
            }
            taken[best] = true;
            queue.data().select(0, best).copyFrom(keys.select(0, i));
        }
    }
}
