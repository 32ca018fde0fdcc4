package panface.distributed;

import panface.faceloss.EmpiricalPrototypes;
import panface.faceloss.Margin;
import panface.nn.Module;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * EPL's empirical prototypes sharded like the class centres ({@link Shard}): rank r holds the
 * prototypes of its classes, updates them from the rows of the global batch whose labels fall in
 * its shard (in batch order, by the faceloss rule), and computes the prototype half of EPL's loss
 * with the softmax across shards ({@link DistMarginSoftmax}): cosines x . P^T with the adaptive
 * margin k * sg(x . P_y) subtracted from the target, times s; the configured margin as well when
 * {@code marginOnPrototypes} (as EPL's ArcFace variant). With one rank it is the single-process
 * EPL: the same initial prototypes from the same generator. Key: shard.prototypes.
 */
public final class ShardedPrototypes extends Module {
    private final Communicator comm;
    private final Shard shard;
    private final EmpiricalPrototypes local;
    private final double k;
    private final boolean marginOnPrototypes;

    public ShardedPrototypes(Communicator comm, int numClasses, int dim, EmpiricalPrototypes.Rule rule, double k, boolean marginOnPrototypes,
                             Generator gen) {
        if (!(k >= 0 && k < 1)) {
            throw new IllegalArgumentException("EPL's k must be in [0, 1), got " + k);
        }
        this.comm = comm;
        this.shard = Shard.of(numClasses, comm.worldSize(), comm.rank());
        this.local = child("shard", new EmpiricalPrototypes(shard.numLocal(), dim, rule, comm.worldSize() == 1 ? gen
                : gen.fork(0x45504C00L + comm.rank())));
        this.k = k;
        this.marginOnPrototypes = marginOnPrototypes;
    }

    public Shard shard() {
        return shard;
    }

    /** This rank's prototypes (numLocal, D). */
    public Tensor prototypes() {
        return local.prototypes();
    }

    /** Folds this rank's batch into the prototypes of every rank (all-gathers the batch; no gradient). */
    public void update(Tensor embeddings, Tensor labels) {
        Tensor e = comm.allGather(embeddings.detach().contiguous());
        long[] y = comm.allGather(labels.to(DType.I64).contiguous()).toLongArray();
        int n = 0;
        for (long c : y) {
            n += shard.contains(c) ? 1 : 0;
        }
        if (n == 0) {
            return;
        }
        long[] rows = new long[n];
        long[] mine = new long[n];
        int j = 0;
        for (int i = 0; i < y.length; i++) {
            if (shard.contains(y[i])) {
                rows[j] = i;
                mine[j++] = y[i] - shard.classStart();
            }
        }
        local.update(F.indexSelect(e, 0, Tensor.of(rows, n).to(e.device())), Tensor.of(mine, n));
    }

    /** The prototype cross-entropy of this rank's embeddings (B, D) and labels (B): the mean over the global batch, the same on every rank. */
    public Tensor loss(Tensor embeddings, Tensor labels, Margin margin) {
        long[] y = comm.allGather(labels.to(DType.I64).contiguous()).toLongArray();
        Tensor x = F.l2Normalize(AllGather.apply(comm, embeddings), 1, 1e-12);
        Tensor vp = x.matmul(F.l2Normalize(local.prototypes().detach().to(x.dtype()), 1, 1e-12).mT());
        int g = vp.size(0);
        long[] col = new long[g];
        long[] lab = new long[g];
        double[] has = new double[g];
        for (int i = 0; i < g; i++) {
            boolean in = shard.contains(y[i]);
            lab[i] = in ? y[i] - shard.classStart() : -1;
            col[i] = in ? lab[i] : 0;
            has[i] = in ? 1 : 0;
        }
        Tensor colIdx = Tensor.of(col, g, 1).to(vp.device());
        Tensor onehot;
        try (var ng = GradMode.noGrad()) {
            onehot = F.scatterAdd(Tensor.zerosLike(vp).detach(), 1, colIdx, Tensor.of(has, g, 1).to(vp.dtype()).to(vp.device()));
        }
        Tensor target = F.gather(vp, 1, colIdx);
        Tensor shifted = vp.sub(onehot.mul(target.detach().mul(k)));
        Margin m = marginOnPrototypes ? margin : new Margin(margin.s(), 1, 0, 0, Margin.Gradient.STRAIGHT_THROUGH, false);
        return DistMarginSoftmax.loss(comm, shifted, Tensor.of(lab, g), m);
    }
}
