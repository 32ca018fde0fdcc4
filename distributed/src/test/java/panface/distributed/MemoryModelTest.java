package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.Margin;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The memory model of the module's documentation (MEMORY.md) against what the code allocates
 * for a small case on one rank: the centre shard, its dense gradient and SGD's momentum are
 * numLocal x D floats each; the step's peak above the parameters is at most three (G x K)
 * float matrices (the cosines, kept for the backward; the working matrix that becomes their
 * gradient; a transient of the matmul's backward) and the centre gradient, plus (G + K) x D
 * terms and the sampler's per-class priorities, which the case keeps small beside G x K.
 */
class MemoryModelTest {
    private static final int C = 2048;
    private static final int D = 16;
    private static final int B = 64;
    private static final double RATE = 0.5;

    @Test
    void allocationsFollowTheModel() {
        long[] got = InProcessGroup.run(1, comm -> {
            long[] out = new long[4];
            try (Scope s = Scope.open()) {
                long base = MemoryStats.liveBytes(Device.CPU);
                ShardedPartialFC pfc = new ShardedPartialFC(comm, C, D, RATE, Margin.arcFace(64, 0.5), new Generator(1));
                out[0] = MemoryStats.liveBytes(Device.CPU) - base;
                SGD opt = new SGD(List.of(ParamGroup.of(pfc.parameters(), 5e-4)), 0.1, 0.9);
                Generator data = new Generator(2);
                Tensor emb = Tensor.randn(data, B, D).requiresGrad(true);
                long[] y = new long[B];
                for (int i = 0; i < B; i++) {
                    y[i] = data.nextInt(C);
                }
                Tensor labels = Tensor.of(y, B);
                long before = MemoryStats.liveBytes(Device.CPU);
                MemoryStats.resetPeak(Device.CPU);
                try (Scope step = Scope.open()) {
                    pfc.loss(emb, labels).backward();
                    out[2] = MemoryStats.peakBytes(Device.CPU) - before;
                }
                out[1] = MemoryStats.liveBytes(Device.CPU) - before;
                long beforeStep = MemoryStats.liveBytes(Device.CPU);
                try (Scope st = Scope.open()) {
                    opt.step();
                }
                out[3] = MemoryStats.liveBytes(Device.CPU) - beforeStep;
            }
            return out;
        }).get(0);
        long n = C;
        long k = (long) (RATE * n);
        long g = B;
        long centres = 4 * n * D;
        assertEquals(centres, got[0], "centre shard: numLocal x D float32");
        assertEquals(centres + 4 * g * D, got[1], "after the step: the dense centre gradient and the embeddings' gradient");
        assertEquals(centres, got[3], "SGD momentum: numLocal x D float32");
        long logits = 4 * g * k;
        // above the parameters: three (G x K) matrices and the centre gradient, plus (G + K) x D
        // terms (gathered, normalised rows and their gradients) and the sampler's n priorities and top-k
        long low = 2 * logits + centres;
        long high = 3 * logits + centres + 2 * 4 * (g + k) * D + 32 * n;
        assertTrue(got[2] >= low && got[2] <= high, "step peak " + got[2] + " outside the model's [" + low + ", " + high + "]");
    }
}
