package panface.distributed;

import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/**
 * The all-gather that takes part in autograd (insightface's AllGather): the forward concatenates
 * every rank's (B, ...) rows into (W * B, ...); the backward sums, over ranks, the gradient each
 * rank computed for this rank's block (a reduce-scatter) and multiplies it by W. The factor W
 * cancels the 1/W of the data-parallel gradient average ({@link GradientAllReduce}), so that after
 * it every replica holds exactly the gradient of the global mean loss.
 */
public final class AllGather {
    private AllGather() {
    }

    /** Every rank's x concatenated along dimension 0, differentiable with respect to this rank's x. */
    public static Tensor apply(Communicator comm, Tensor x) {
        Tensor out = comm.allGather(x.detach().contiguous());
        if (!GradMode.needsGrad(x)) {
            return out;
        }
        int world = comm.worldSize();
        return out.withGradFn(new Node("allGather", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor mine = comm.reduceScatter(g.contiguous(), Communicator.Op.SUM);
                return new Tensor[] {world == 1 ? mine : mine.mul(world)};
            }
        });
    }
}
