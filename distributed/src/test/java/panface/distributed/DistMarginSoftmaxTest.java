package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.Margin;
import panface.faceloss.MarginSoftmax;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The distributed margin softmax on column blocks of a cosine matrix against the fused
 * single-process margin softmax on the whole matrix, in float64, including cosines outside
 * [-1, 1] (no gradient there) and a confident row. Tolerance 1e-9: the same float64 quantities,
 * summed per block then across ranks.
 */
class DistMarginSoftmaxTest {
    private static final int G = 5;
    private static final int K = 9;

    @Test
    void columnBlocksOnOneToThreeRanksEqualTheWholeMatrix() {
        Generator gen = new Generator(21);
        double[] c = Tensor.rand(gen, G, K).toDoubleArray();
        for (int i = 0; i < c.length; i++) {
            c[i] = 2 * c[i] - 1;
        }
        c[3] = 1.25;
        c[K + 4] = -1.5;
        long[] y = {3, 0, 8, 4, 4};
        c[2 * K + 8] = 0.999999;
        // a target above 1 in a row where a negative wins: its gradient would be large without the clamp's zero
        c[3 * K + 4] = 1.1;
        c[3 * K] = 1.0;
        for (Margin m : ShardedPartialFCTest.margins()) {
            Tensor whole = Tensor.of(c, G, K).requiresGrad(true);
            Tensor loss = MarginSoftmax.loss(whole, Tensor.of(y, G), m, false);
            loss.backward();
            double[] grad = whole.grad().toDoubleArray();
            for (int world = 1; world <= 3; world++) {
                int w = world;
                List<double[]> got = InProcessGroup.run(world, comm -> {
                    Shard s = Shard.of(K, w, comm.rank());
                    double[] block = new double[G * s.numLocal()];
                    long[] lab = new long[G];
                    for (int i = 0; i < G; i++) {
                        System.arraycopy(c, i * K + s.classStart(), block, i * s.numLocal(), s.numLocal());
                        lab[i] = s.contains(y[i]) ? y[i] - s.classStart() : -1;
                    }
                    Tensor mine = Tensor.of(block, G, s.numLocal()).requiresGrad(true);
                    Tensor l = DistMarginSoftmax.loss(comm, mine, Tensor.of(lab, G), m);
                    l.backward();
                    double[] out = Arrays.copyOf(mine.grad().toDoubleArray(), G * s.numLocal() + 1);
                    out[out.length - 1] = l.item();
                    return out;
                });
                for (int r = 0; r < world; r++) {
                    Shard s = Shard.of(K, world, r);
                    double[] out = got.get(r);
                    assertEquals(loss.item(), out[out.length - 1], 1e-9, "loss, rank " + r + " of " + world + ", " + m);
                    double[] expect = new double[G * s.numLocal()];
                    for (int i = 0; i < G; i++) {
                        System.arraycopy(grad, i * K + s.classStart(), expect, i * s.numLocal(), s.numLocal());
                    }
                    assertArrayEquals(expect, Arrays.copyOf(out, out.length - 1), 1e-9, "gradient, rank " + r + " of " + world + ", " + m);
                }
            }
        }
    }
}
