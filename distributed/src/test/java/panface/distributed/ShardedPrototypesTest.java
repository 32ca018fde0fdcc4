package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.EmpiricalPrototypes;
import panface.faceloss.EplLoss;
import panface.faceloss.Margin;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Sharded EPL prototypes against the single-process EPL on the concatenated batch with the same
 * prototypes. Loss and gradient tolerance 1e-9: float64 both sides, differing only in the order
 * of the softmax sums. The update runs the same float32 rule on the same rows in the same order,
 * so it must agree exactly.
 */
class ShardedPrototypesTest {
    private static final int C = 10;
    private static final int D = 5;
    private static final int B = 3;

    record Result(double loss, double[] grad, float[] updated) {
    }

    @Test
    void shardedPrototypesEqualTheSingleProcessEpl() {
        for (int world : new int[] {2, 3}) {
            for (boolean marginOnP : new boolean[] {false, true}) {
                compare(world, marginOnP);
            }
        }
    }

    private static void compare(int world, boolean marginOnP) {
        int g = B * world;
        Generator data = new Generator(40 + world);
        Tensor emb = Tensor.randn(data, g, D).to(DType.F64);
        long[] y = new long[g];
        for (int i = 0; i < g; i++) {
            y[i] = data.nextInt(C);
        }
        y[2] = y[0];
        Margin m = Margin.arcFace(32, 0.5);
        EmpiricalPrototypes single = new EmpiricalPrototypes(C, D, EmpiricalPrototypes.Rule.SOFTSIGN, new Generator(9));
        float[] p0 = single.prototypes().toFloatArray();
        Tensor e1 = emb.copy().requiresGrad(true);
        Tensor loss1 = new EplLoss(0.7, marginOnP).prototypeLoss(e1, Tensor.of(y, g), single.prototypes().to(DType.F64), m);
        loss1.backward();
        double[] grad1 = e1.grad().toDoubleArray();
        single.update(emb.to(DType.F32), Tensor.of(y, g));
        float[] updated1 = single.prototypes().toFloatArray();

        List<Result> got = InProcessGroup.run(world, comm -> {
            ShardedPrototypes p = new ShardedPrototypes(comm, C, D, EmpiricalPrototypes.Rule.SOFTSIGN, 0.7, marginOnP, new Generator(9));
            Shard s = p.shard();
            p.prototypes().copyFrom(Tensor.of(Arrays.copyOfRange(p0, s.classStart() * D, s.classEnd() * D), s.numLocal(), D));
            Tensor mine = emb.narrow(0, comm.rank() * B, B).copy().requiresGrad(true);
            long[] my = Arrays.copyOfRange(y, comm.rank() * B, (comm.rank() + 1) * B);
            Tensor loss = p.loss(mine, Tensor.of(my, B), m);
            loss.backward();
            p.update(mine.detach().to(DType.F32), Tensor.of(my, B));
            return new Result(loss.item(), mine.grad().toDoubleArray(), p.prototypes().toFloatArray());
        });
        for (int r = 0; r < world; r++) {
            Shard s = Shard.of(C, world, r);
            Result res = got.get(r);
            String where = "rank " + r + " of " + world + (marginOnP ? " with margin" : "");
            assertEquals(loss1.item(), res.loss(), 1e-9, where);
            double[] g1 = res.grad().clone();
            for (int i = 0; i < g1.length; i++) {
                g1[i] /= world;
            }
            assertArrayEquals(Arrays.copyOfRange(grad1, r * B * D, (r + 1) * B * D), g1, 1e-9, where);
            assertArrayEquals(Arrays.copyOfRange(updated1, s.classStart() * D, s.classEnd() * D), res.updated(), where);
        }
    }
}
