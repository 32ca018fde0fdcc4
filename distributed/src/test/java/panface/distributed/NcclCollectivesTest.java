package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nativebindings.nccl.NcclCommunicator;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * NCCL through the rendezvous on one GPU (world size 1): the collectives' results, and a full
 * sharded Partial FC step equal to the single-process one. Skipped without a GPU and libnccl.
 */
class NcclCollectivesTest {

    private static Device gpu() {
        Device d = Device.cuda(0);
        assumeTrue(Backends.isAvailable(d), "no CUDA device");
        try {
            NcclCommunicator.load();
        } catch (RuntimeException e) {
            assumeTrue(false, "no NCCL library: " + e.getMessage());
        }
        return d;
    }

    @Test
    void collectivesOfAGroupOfOne() {
        Device d = gpu();
        try (Rendezvous rdzv = Rendezvous.join(DistEnv.single()); NcclCollectives c = NcclCollectives.create(rdzv, d); Scope s = Scope.open()) {
            Tensor t = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(d);
            c.allReduce(t, Communicator.Op.SUM);
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
            assertArrayEquals(new float[] {1, 2, 3, 4}, c.allGather(t).toFloatArray());
            assertArrayEquals(new float[] {1, 2, 3, 4}, c.reduceScatter(t, Communicator.Op.MAX).toFloatArray());
            c.broadcast(t, 0);
            c.barrier();
            assertArrayEquals(new long[] {7}, c.allGather(Tensor.of(new long[] {7}, 1).to(d)).toLongArray());
        }
    }

    @Test
    void aShardedStepOnOneGpuEqualsTheSingleProcessStep() {
        Device d = gpu();
        Margin m = Margin.arcFace(64, 0.5);
        try (Rendezvous rdzv = Rendezvous.join(DistEnv.single()); NcclCollectives c = NcclCollectives.create(rdzv, d); Scope s = Scope.open()) {
            PartialFC single = new PartialFC(100, 16, 0.3, m, new Generator(4));
            single.weight().set(single.weight().data().to(d));
            ShardedPartialFC sharded = new ShardedPartialFC(c, 100, 16, 0.3, m, new Generator(4));
            sharded.weight().set(sharded.weight().data().to(d));
            Generator data = new Generator(8);
            Tensor e = Tensor.randn(data, 8, 16).to(d);
            long[] y = new long[8];
            for (int i = 0; i < 8; i++) {
                y[i] = data.nextInt(100);
            }
            Tensor e1 = e.copy().requiresGrad(true);
            Tensor e2 = e.copy().requiresGrad(true);
            Tensor l1 = single.loss(e1, Tensor.of(y, 8).to(d));
            Tensor l2 = sharded.loss(e2, Tensor.of(y, 8).to(d));
            l1.backward();
            l2.backward();
            // float32 on the GPU, the same inputs; the two softmax implementations sum in different orders: 1e-5 relative
            assertEquals(l1.item(), l2.item(), 1e-5 * Math.abs(l1.item()));
            assertArrayEquals(e1.grad().to(DType.F32).toFloatArray(), e2.grad().to(DType.F32).toFloatArray(), 1e-5f);
            assertArrayEquals(single.weight().grad().toFloatArray(), sharded.weight().grad().toFloatArray(), 1e-5f);
        }
    }
}
