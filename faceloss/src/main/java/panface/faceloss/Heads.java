package panface.faceloss;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Shared pieces of the classification heads. */
final class Heads {
    private Heads() {
    }

    /** x / max(||x||, 1e-12) row-wise (PyTorch's F.normalize default, as insightface). */
    static Tensor normalize(Tensor x) {
        return F.l2Normalize(x, 1, 1e-12);
    }

    /**
     * Rows of a leaf weight (C, D) at a sorted 1-D index. The backward adds the rows' gradient
     * straight into the weight's gradient buffer (rows not sampled get exactly zero), so no dense
     * (C, D) temporary is made per step.
     */
    static Tensor gatherRows(Tensor weight, Tensor index) {
        Tensor rows = F.indexSelect(weight.detach(), 0, index);
        if (!GradMode.needsGrad(weight)) {
            return rows;
        }
        if (!weight.isLeaf()) {
            return F.indexSelect(weight, 0, index);
        }
        return rows.withGradFn(new Node("gatherRows", weight) {
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
