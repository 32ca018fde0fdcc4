package panface.distributed;

import java.util.Arrays;

import panface.faceloss.Margin;
import panface.faceloss.SampledRows;
import panface.nn.Init;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/**
 * Model-parallel Partial FC v2 (insightface's partial_fc_v2): every rank holds one {@link Shard}
 * of the class centres, all-gathers the embeddings (differentiably, {@link AllGather}) and the
 * labels of the global batch, samples its own centres (every class of its shard present in the
 * global batch, plus uniformly random others up to sampleRate * numLocal, sorted), and computes
 * the margin softmax across shards ({@link DistMarginSoftmax}). The loss is the mean over the
 * global batch, the same scalar on every rank. The centre shard is rank-local: its gradient is
 * not all-reduced, and its optimizer state lives on its rank only (dense, every row updated every
 * step, as the reference; see the faceloss Partial FC). Every rank must use the same batch size.
 *
 * <p>With one rank it is the single-process Partial FC: the same initial centres and the same
 * sampled classes from the same generator. With more, rank r draws its shard and samples from
 * streams forked by r. Key: weight.
 */
public final class ShardedPartialFC extends Module {
    private final Communicator comm;
    private final Shard shard;
    private final Parameter weight;
    private final Generator sampler;
    private double sampleRate;
    private Margin margin;

    public ShardedPartialFC(Communicator comm, int numClasses, int dim, double sampleRate, Margin margin, Generator gen) {
        checkRate(sampleRate);
        this.comm = comm;
        this.shard = Shard.of(numClasses, comm.worldSize(), comm.rank());
        boolean single = comm.worldSize() == 1;
        this.weight = parameter("weight", Init.normal(single ? gen : gen.fork(0x53464300L + comm.rank()), 0, 0.01, shard.numLocal(), dim));
        this.sampler = single ? gen.fork(0x5046) : gen.fork(0x5046).fork(comm.rank());
        this.sampleRate = sampleRate;
        this.margin = margin;
    }

    private static void checkRate(double r) {
        if (!(r > 0 && r <= 1)) {
            throw new IllegalArgumentException("sample rate must be in (0, 1], got " + r);
        }
    }

    /** This rank's centres (numLocal, D), rows for classes [classStart, classStart + numLocal). */
    public Parameter weight() {
        return weight;
    }

    public Shard shard() {
        return shard;
    }

    /** The stream this rank samples from: its offset belongs in this rank's checkpoint. */
    public Generator sampler() {
        return sampler;
    }

    public double sampleRate() {
        return sampleRate;
    }

    public void setSampleRate(double r) {
        checkRate(r);
        this.sampleRate = r;
    }

    public Margin margin() {
        return margin;
    }

    public void setMargin(Margin m) {
        this.margin = m;
    }

    /**
     * This rank's sorted local indices for a step whose global labels are given: every class of
     * the shard among them (the positives), plus random others up to numSample (uniform priorities
     * from this rank's stream, positives given priority 2 so the top-k keeps them); only the
     * positives when they alone exceed numSample; every row when the rate is 1.
     */
    public Tensor sample(long[] globalLabels) {
        int n = shard.numLocal();
        long[] pos = Arrays.stream(globalLabels).filter(shard::contains).map(c -> c - shard.classStart()).distinct().sorted().toArray();
        int k = shard.numSample(sampleRate);
        if (sampleRate >= 1 || k >= n) {
            return Tensor.arange(n);
        }
        if (k < pos.length) {
            return Tensor.of(pos, pos.length);
        }
        float[] prio = Tensor.random(sampler, Distribution.UNIFORM, 0, 1, Device.CPU, DType.F32, n).toFloatArray();
        for (long p : pos) {
            prio[(int) p] = 2f;
        }
        long[] idx = F.topk(Tensor.of(prio, n), k, 0, true).indices().toLongArray();
        Arrays.sort(idx);
        return Tensor.of(idx, idx.length);
    }

    /** The loss of this rank's embeddings (B, D) and labels (B), sampling this step's centres. */
    public Tensor loss(Tensor embeddings, Tensor labels) {
        Tensor all = comm.allGather(labels.to(DType.I64).contiguous());
        return loss(embeddings, all, sample(all.toLongArray()));
    }

    /**
     * The loss given the global labels (G, every rank's labels in rank order) and this rank's
     * sorted sampled local indices, which must contain every positive of the shard.
     */
    public Tensor loss(Tensor embeddings, Tensor globalLabels, Tensor localIndex) {
        if (embeddings.dim() != 2 || embeddings.size(1) != weight.data().size(1)) {
            throw new IllegalArgumentException("sharded Partial FC expects embeddings (B, " + weight.data().size(1) + "), got "
                    + embeddings.describe());
        }
        long[] y = globalLabels.toLongArray();
        if (y.length != (long) embeddings.size(0) * comm.worldSize()) {
            throw new IllegalArgumentException("expected " + embeddings.size(0) * comm.worldSize() + " global labels (B x W), got " + y.length);
        }
        long[] idx = localIndex.toLongArray();
        long[] local = new long[y.length];
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0 || y[i] >= shard.numClasses()) {
                throw new IndexOutOfBoundsException("label " + y[i] + " is outside [0, " + shard.numClasses() + ")");
            }
            if (!shard.contains(y[i])) {
                local[i] = -1;
                continue;
            }
            int at = Arrays.binarySearch(idx, y[i] - shard.classStart());
            if (at < 0) {
                throw new IllegalArgumentException("class " + y[i] + " is not among rank " + shard.rank()
                        + "'s sampled classes; positives must always be sampled");
            }
            local[i] = at;
        }
        Device dev = weight.data().device();
        Tensor emb = AllGather.apply(comm, embeddings);
        Tensor centres = idx.length == shard.numLocal() ? weight.data() : SampledRows.gather(weight.data(), Tensor.of(idx, idx.length).to(dev));
        Tensor cos = F.l2Normalize(emb, 1, 1e-12).matmul(F.l2Normalize(centres, 1, 1e-12).mT());
        return DistMarginSoftmax.loss(comm, cos, Tensor.of(local, local.length), margin);
    }
}
