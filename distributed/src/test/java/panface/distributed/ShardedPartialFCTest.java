package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Sharded Partial FC against the single-process Partial FC on the concatenated batch, with the
 * same centres and the same sampled classes, in float64. Tolerance 1e-9: both sides compute in
 * float64 and differ only in the order of the softmax sums (per shard, then across shards), a
 * few ulps of values of order one to s = 64.
 */
class ShardedPartialFCTest {
    private static final double TOL = 1e-9;
    private static final int C = 23;
    private static final int D = 8;
    private static final int B = 3;

    static List<Margin> margins() {
        return List.of(Margin.arcFace(64, 0.5), Margin.arcFace(64, 0.5).withGradient(Margin.Gradient.EXACT), Margin.cosFace(64, 0.4),
                Margin.of(30, 1.0, 0.3, 0.2, Margin.Gradient.EXACT));
    }

    record RankResult(double loss, double[] embGrad, double[] weightGrad) {
    }

    @Test
    void twoAndFourRanksEqualTheSingleProcessLossAndGradients() {
        for (int world : new int[] {2, 4}) {
            for (double rate : new double[] {1.0, 0.4}) {
                for (Margin m : margins()) {
                    compare(world, rate, m);
                }
            }
        }
    }

    private static void compare(int world, double rate, Margin m) {
        int g = B * world;
        Generator data = new Generator(7 + world);
        Tensor emb = Tensor.randn(data, g, D).to(DType.F64);
        long[] labels = new long[g];
        for (int i = 0; i < g; i++) {
            labels[i] = data.nextInt(C);
        }
        labels[1] = labels[0];
        PartialFC single = new PartialFC(C, D, rate, m, new Generator(3));
        single.weight().set(single.weight().data().to(DType.F64));
        Tensor w = single.weight().data();
        // the sampled classes: every label plus, per shard, a fixed subset of the others
        List<long[]> local = new ArrayList<>();
        TreeSet<Long> global = new TreeSet<>();
        for (int r = 0; r < world; r++) {
            Shard s = Shard.of(C, world, r);
            TreeSet<Long> mine = new TreeSet<>();
            for (int j = 0; j < s.numLocal(); j++) {
                long c = s.classStart() + j;
                boolean positive = java.util.Arrays.stream(labels).anyMatch(l -> l == c);
                if (positive || rate >= 1 || (c * 7) % 3 == 0) {
                    mine.add((long) j);
                    global.add(c);
                }
            }
            local.add(mine.stream().mapToLong(Long::longValue).toArray());
        }
        Tensor e1 = emb.copy().requiresGrad(true);
        long[] gi = global.stream().mapToLong(Long::longValue).toArray();
        Tensor loss1 = single.loss(e1, Tensor.of(labels, g), Tensor.of(gi, gi.length));
        loss1.backward();
        double[] eGrad = e1.grad().toDoubleArray();
        double[] wGrad = single.weight().grad().toDoubleArray();
        double[] wAll = w.toDoubleArray();

        List<RankResult> results = InProcessGroup.run(world, comm -> {
            ShardedPartialFC pfc = new ShardedPartialFC(comm, C, D, rate, m, new Generator(3));
            Shard s = pfc.shard();
            pfc.weight().set(Tensor.of(java.util.Arrays.copyOfRange(wAll, s.classStart() * D, s.classEnd() * D), s.numLocal(), D));
            Tensor mine = emb.narrow(0, comm.rank() * B, B).copy().requiresGrad(true);
            long[] idx = local.get(comm.rank());
            Tensor loss = pfc.loss(mine, Tensor.of(labels, g), Tensor.of(idx, idx.length));
            loss.backward();
            return new RankResult(loss.item(), mine.grad().toDoubleArray(), pfc.weight().grad().toDoubleArray());
        });
        String where = "W=" + world + " rate=" + rate + " " + m;
        for (int r = 0; r < world; r++) {
            RankResult res = results.get(r);
            Shard s = Shard.of(C, world, r);
            assertEquals(loss1.item(), res.loss(), TOL, "loss on rank " + r + ", " + where);
            // the all-gather's backward multiplies by W (for the data-parallel average): divide it out
            double[] expectE = java.util.Arrays.copyOfRange(eGrad, r * B * D, (r + 1) * B * D);
            double[] gotE = res.embGrad().clone();
            for (int i = 0; i < gotE.length; i++) {
                gotE[i] /= world;
            }
            assertArrayEquals(expectE, gotE, TOL, "embedding gradient of rank " + r + ", " + where);
            assertArrayEquals(java.util.Arrays.copyOfRange(wGrad, s.classStart() * D, s.classEnd() * D), res.weightGrad(), TOL,
                    "centre gradient of rank " + r + ", " + where);
        }
    }

    @Test
    void oneRankIsTheSingleProcessPartialFC() {
        Margin m = Margin.arcFace(64, 0.5);
        PartialFC single = new PartialFC(50, D, 0.2, m, new Generator(11));
        List<double[]> got = InProcessGroup.run(1, comm -> {
            ShardedPartialFC pfc = new ShardedPartialFC(comm, 50, D, 0.2, m, new Generator(11));
            assertArrayEquals(single.weight().data().toFloatArray(), pfc.weight().data().toFloatArray());
            Generator data = new Generator(5);
            double[] out = new double[6];
            for (int step = 0; step < 3; step++) {
                long[] y = {data.nextInt(50), data.nextInt(50), data.nextInt(50), data.nextInt(50)};
                Tensor e = Tensor.randn(data, 4, D);
                Tensor expect;
                Tensor got1;
                try (var ng = GradMode.noGrad()) {
                    expect = single.loss(e, Tensor.of(y, 4));
                    got1 = pfc.loss(e, Tensor.of(y, 4));
                }
                out[2 * step] = expect.item();
                out[2 * step + 1] = got1.item();
            }
            return out;
        });
        double[] out = got.get(0);
        for (int step = 0; step < 3; step++) {
            // float32 both sides, same kernel inputs up to the summation order of the softmax: 1e-5 relative
            assertEquals(out[2 * step], out[2 * step + 1], 1e-5 * Math.abs(out[2 * step]), "step " + step);
        }
    }

    @Test
    void perShardSamplingKeepsEveryPositiveOfTheGlobalBatch() {
        int world = 3;
        long[] labels = {0, 5, 5, 17, 31, 32, 2, 40, 41, 8, 9, 10};
        List<long[]> idx = InProcessGroup.run(world, comm -> {
            ShardedPartialFC pfc = new ShardedPartialFC(comm, 45, D, 0.3, Margin.arcFace(64, 0.5), new Generator(2));
            return pfc.sample(labels).toLongArray();
        });
        for (int r = 0; r < world; r++) {
            Shard s = Shard.of(45, world, r);
            long[] got = idx.get(r);
            long positives = java.util.Arrays.stream(labels).filter(s::contains).distinct().count();
            assertEquals(Math.max(s.numSample(0.3), positives), got.length, "rank " + r);
            for (int i = 1; i < got.length; i++) {
                assertTrue(got[i - 1] < got[i], "sorted and distinct on rank " + r);
            }
            for (long l : labels) {
                if (s.contains(l)) {
                    assertTrue(java.util.Arrays.binarySearch(got, l - s.classStart()) >= 0, "positive " + l + " kept on rank " + r);
                }
            }
            assertTrue(got[0] >= 0 && got[got.length - 1] < s.numLocal());
        }
    }
}
