package panface.faceloss;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/**
 * The class centres Partial FC samples: rows of a leaf weight at an index, differentiable
 * without a dense temporary. Shared by the single-process {@link PartialFC} and the sharded one
 * of the distributed module.
 */
public final class SampledRows {
    private SampledRows() {
    }

    /**
     * Rows of a leaf weight (C, D) at a sorted 1-D index. The backward adds the rows' gradient
     * straight into the weight's gradient buffer (rows not sampled get exactly zero) and marks it
     * {@link Tensor#gradReceived received}, so no dense (C, D) temporary is made per step.
     */
    public static Tensor gather(Tensor weight, Tensor index) {
        Tensor rows = F.indexSelect(weight.detach(), 0, index);
        if (!GradMode.needsGrad(weight)) {
            return rows;
        }
        if (!weight.isLeaf()) {
            return F.indexSelect(weight, 0, index);
        }
        return rows.withGradFn(new Node("sampledRows", weight) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor w = input(0);
                if (w.grad() == null) {
                    w.accumulateGrad(Tensor.zerosLike(w));
                }
                w.grad().backend().indexAdd(w.grad().asView(), 0, index.asView(), g.contiguous().to(w.dtype()).asView());
                w.markGradReceived();
                return new Tensor[] {null};
            }
        });
    }
}
