package panface.distributed;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Rows of a rank's leaf centre shard at sampled indices, differentiable without a dense temporary. */
final class ShardRows {
    private ShardRows() {
    }

    /**
     * Rows of a leaf weight (N, D) at a sorted 1-D index. The backward adds the rows' gradient
     * straight into the weight's gradient (rows not sampled get exactly zero), as the
     * single-process Partial FC does.
     */
    static Tensor gather(Tensor weight, Tensor index) {
        Tensor rows = F.indexSelect(weight.detach(), 0, index);
        if (!GradMode.needsGrad(weight)) {
            return rows;
        }
        if (!weight.isLeaf()) {
            return F.indexSelect(weight, 0, index);
        }
        return rows.withGradFn(new Node("shardRows", weight) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor w = input(0);
                if (w.grad() == null) {
                    w.accumulateGrad(Tensor.zerosLike(w));
                }
                w.grad().backend().indexAdd(w.grad(), 0, index, g.contiguous().to(w.dtype()));
                w.markGradReceived();
                return new Tensor[] {null};
            }
        });
    }
}
