package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.ParameterSlab;
import panface.nn.layers.Linear;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Data-parallel training steps (sharded Partial FC, gradient average, SGD with momentum and weight
 * decay) against the same steps of one process on the concatenated batch, in float64. Tolerance
 * 1e-9: the two sides differ only in the order of floating-point sums (per rank then across
 * ranks), a few ulps per step of values of order one.
 */
class DataParallelStepTest {
    private static final int C = 13;
    private static final int D = 6;
    private static final int IN = 5;
    private static final int B = 2;
    private static final int STEPS = 3;

    /** A two-layer backbone, batch statistics free (so a sample's embedding does not depend on its rank). */
    static final class Backbone extends Module {
        final Linear a;
        final Linear b;

        Backbone(Generator gen) {
            a = child("a", new Linear(IN, 7, true, gen));
            b = child("b", new Linear(7, D, true, gen));
            for (Parameter p : parameters()) {
                p.set(p.data().to(DType.F64));
            }
        }

        Tensor forward(Tensor x) {
            return b.forward(a.forward(x).tanh());
        }
    }

    record Snapshot(List<double[]> backbone, double[] centres) {
    }

    @Test
    void dataParallelStepsEqualTheSingleProcessStepsOnTheConcatenatedBatch() {
        for (int world : new int[] {2, 4}) {
            for (boolean sampled : new boolean[] {false, true}) {
                compare(world, sampled, false);
            }
        }
    }

    /**
     * The all-reduce overlapped with the backward pass: the same single-process steps, and bitwise
     * the steps of the all-reduce after the backward pass (same buckets, same sums in the same order).
     */
    @Test
    void overlappedStepsEqualTheSingleProcessStepsAndBitwiseTheStepsAveragedAfterBackward() {
        for (int world : new int[] {2, 4}) {
            for (boolean sampled : new boolean[] {false, true}) {
                List<Snapshot> overlapped = compare(world, sampled, true);
                List<Snapshot> after = compare(world, sampled, false);
                for (int r = 0; r < world; r++) {
                    for (int p = 0; p < after.get(r).backbone().size(); p++) {
                        assertArrayEquals(after.get(r).backbone().get(p), overlapped.get(r).backbone().get(p), 0.0,
                                "backbone parameter " + p + " on rank " + r + " of " + world);
                    }
                    assertArrayEquals(after.get(r).centres(), overlapped.get(r).centres(), 0.0, "centres on rank " + r + " of " + world);
                }
            }
        }
    }

    /**
     * The classes a step uses: all of them, or (sampled) the labels plus every third class, the
     * same set for both sides; given as global indices (single process) or per-shard local ones.
     */
    private static long[] sampledClasses(long[] labels, boolean sampled, Shard shard) {
        List<Long> out = new ArrayList<>();
        for (int c = shard.classStart(); c < shard.classEnd(); c++) {
            int cc = c;
            if (!sampled || c % 3 == 0 || java.util.Arrays.stream(labels).anyMatch(l -> l == cc)) {
                out.add((long) (c - shard.classStart()));
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Runs both sides, checks them equal and returns the ranks' results. */
    private static List<Snapshot> compare(int world, boolean sampled, boolean overlap) {
        {
            int g = B * world;
            Generator data = new Generator(100 + world);
            List<Tensor> xs = new ArrayList<>();
            List<long[]> ys = new ArrayList<>();
            for (int s = 0; s < STEPS; s++) {
                xs.add(Tensor.randn(data, g, IN).to(DType.F64));
                long[] y = new long[g];
                for (int i = 0; i < g; i++) {
                    y[i] = data.nextInt(C);
                }
                ys.add(y);
            }
            Margin m = Margin.arcFace(16, 0.5);
            // one process
            Backbone net = new Backbone(new Generator(1));
            PartialFC head = new PartialFC(C, D, 1.0, m, new Generator(2));
            head.weight().set(head.weight().data().to(DType.F64));
            double[] w0 = head.weight().data().toDoubleArray();
            SGD opt = new SGD(List.of(ParamGroup.of(net.parameters(), 5e-4), ParamGroup.of(List.of(head.weight()), 5e-4)), 0.1, 0.9);
            for (int s = 0; s < STEPS; s++) {
                opt.zeroGrad();
                long[] idx = sampledClasses(ys.get(s), sampled, Shard.of(C, 1, 0));
                head.loss(net.forward(xs.get(s)), Tensor.of(ys.get(s), g), Tensor.of(idx, idx.length)).backward();
                opt.step();
            }
            Snapshot expect = new Snapshot(values(net), head.weight().data().toDoubleArray());

            List<Snapshot> got = InProcessGroup.run(world, comm -> {
                // buckets (b.bias, b.weight, a.bias) and (a.weight): the first is complete only once the backward pass reaches layer a
                DataParallel dp = new DataParallel(comm).setOverlap(overlap).setBucketBytes(8L * 55);
                // every rank but 0 starts from other values: the broadcast must make them equal
                Backbone replica = new Backbone(new Generator(comm.rank() == 0 ? 1 : 50 + comm.rank()));
                dp.broadcast(replica);
                dp.replicate(replica);
                ShardedPartialFC pfc = dp.partialFc(C, D, 1.0, m, new Generator(2));
                Shard sh = pfc.shard();
                pfc.weight().set(Tensor.of(java.util.Arrays.copyOfRange(w0, sh.classStart() * D, sh.classEnd() * D), sh.numLocal(), D));
                SGD o = new SGD(List.of(ParamGroup.of(replica.parameters(), 5e-4), ParamGroup.of(List.of(pfc.weight()), 5e-4)), 0.1, 0.9);
                for (int s = 0; s < STEPS; s++) {
                    o.zeroGrad();
                    Tensor x = xs.get(s).narrow(0, comm.rank() * B, B);
                    long[] y = java.util.Arrays.copyOfRange(ys.get(s), comm.rank() * B, (comm.rank() + 1) * B);
                    long[] idx = sampledClasses(ys.get(s), sampled, sh);
                    // the sharded head all-gathers the labels itself; the sampled variant is given the global ones
                    Tensor loss = sampled ? pfc.loss(replica.forward(x), Tensor.of(ys.get(s), g), Tensor.of(idx, idx.length))
                            : pfc.loss(replica.forward(x), Tensor.of(y, B));
                    if (overlap) {
                        dp.backward(loss);
                    } else {
                        loss.backward();
                        dp.averageGradients();
                    }
                    o.step();
                }
                return new Snapshot(values(replica), pfc.weight().data().toDoubleArray());
            });
            for (int r = 0; r < world; r++) {
                Snapshot s = got.get(r);
                for (int p = 0; p < expect.backbone().size(); p++) {
                    assertArrayEquals(expect.backbone().get(p), s.backbone().get(p), 1e-9, "backbone parameter " + p + " on rank " + r + " of " + world + (sampled ? ", sampled" : ""));
                }
                Shard sh = Shard.of(C, world, r);
                assertArrayEquals(java.util.Arrays.copyOfRange(expect.centres(), sh.classStart() * D, sh.classEnd() * D), s.centres(), 1e-9,
                        "centres of rank " + r + " of " + world + (sampled ? ", sampled" : ""));
            }
            return got;
        }
    }

    private static List<double[]> values(Module m) {
        List<double[]> out = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            out.add(p.data().toDoubleArray());
        }
        return out;
    }

    @Test
    void bucketsRespectTheCapAndCoverEveryTrainableParameterFromTheLast() {
        Backbone net = new Backbone(new Generator(1));
        List<Parameter> ps = net.parameters();
        GradientAllReduce g = new GradientAllReduce(new InProcessGroup(1, 1000).communicator(0), ps, 8L * 40);
        List<Parameter> flat = new ArrayList<>();
        for (List<Parameter> bucket : g.buckets()) {
            long bytes = 0;
            for (Parameter p : bucket) {
                bytes += 8L * p.data().numel();
            }
            // a bucket exceeds the cap only when one parameter alone does
            assertEquals(true, bytes <= 8L * 40 || bucket.size() == 1, "bucket of " + bytes + " bytes");
            flat.addAll(bucket);
        }
        List<Parameter> reversed = new ArrayList<>(ps);
        java.util.Collections.reverse(reversed);
        assertEquals(reversed, flat);
    }

    @Test
    void aGradientPresentOnOneRankOnlyIsAveragedOnEveryRank() {
        List<double[]> got = InProcessGroup.run(3, comm -> {
            Parameter used = new Parameter(Tensor.zeros(DType.F64, 2));
            Parameter unused = new Parameter(Tensor.zeros(DType.F64, 1));
            // a zeroed buffer is not a gradient: only rank 1 contributes one
            used.data().accumulateGrad(Tensor.of(new double[] {3, 6}, 2));
            unused.data().accumulateGrad(Tensor.of(new double[] {5}, 1));
            unused.data().zeroGrad();
            if (comm.rank() != 1) {
                used.data().zeroGrad();
            }
            new GradientAllReduce(comm, List.of(used, unused), 1 << 20).run();
            assertEquals(false, unused.data().gradReceived(), "no rank wrote it: the optimizers skip it everywhere");
            assertEquals(true, used.data().gradReceived());
            return used.grad().toDoubleArray();
        });
        for (double[] g : got) {
            assertArrayEquals(new double[] {1, 2}, g, 0);
        }
    }

    @Test
    void aSlabIsAveragedInPlaceAndItsMembersMarkedAlike() {
        List<double[]> got = InProcessGroup.run(2, comm -> {
            Backbone net = new Backbone(new Generator(1));
            ParameterSlab slab = ParameterSlab.pack(net).get(0);
            // rank r writes r + 1 into layer a's weight gradient only
            net.a.weight().data().accumulateGrad(Tensor.full(comm.rank() + 1, Device.CPU, DType.F64, net.a.weight().shape()));
            GradientAllReduce.run(comm, slab, 64);
            assertEquals(true, net.a.weight().data().gradReceived());
            assertEquals(false, net.b.weight().data().gradReceived());
            return net.a.weight().grad().toDoubleArray();
        });
        for (double[] g : got) {
            for (double v : g) {
                assertEquals(1.5, v, 0);
            }
        }
    }
}
