package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradientReadyHook;
import panface.tensor.random.Generator;

/**
 * The overlapped gradient average starts a bucket's all-reduce during the backward pass, as soon
 * as the bucket's gradients are final, and the all-reduce then runs beside the backward pass.
 */
class GradientOverlapTest {
    /** Two buckets of the test backbone in float64: (b.bias, b.weight), then (a.bias, a.weight). */
    private static final long BUCKET = 8L * 50;

    /** Logs every started all-reduce and keeps its work; async support as the wrapped communicator's, or (blocking) the default. */
    static final class Recording implements Communicator {
        final Communicator inner;
        final boolean async;
        final List<String> log;
        final List<Work> started = new ArrayList<>();

        Recording(Communicator inner, boolean async, List<String> log) {
            this.inner = inner;
            this.async = async;
            this.log = log;
        }

        @Override
        public int rank() {
            return inner.rank();
        }

        @Override
        public int worldSize() {
            return inner.worldSize();
        }

        @Override
        public void allReduce(Tensor t, Op op) {
            inner.allReduce(t, op);
        }

        @Override
        public Work allReduceAsync(Tensor t, Op op) {
            log.add("start bucket " + started.size());
            Work w = async ? inner.allReduceAsync(t, op) : Communicator.super.allReduceAsync(t, op);
            started.add(w);
            return w;
        }

        @Override
        public Tensor allGather(Tensor t) {
            return inner.allGather(t);
        }

        @Override
        public Tensor reduceScatter(Tensor t, Op op) {
            return inner.reduceScatter(t, op);
        }

        @Override
        public void broadcast(Tensor t, int root) {
            inner.broadcast(t, root);
        }

        @Override
        public void barrier() {
            inner.barrier();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static Tensor loss(DataParallelStepTest.Backbone net, int rank) {
        Tensor x = Tensor.randn(new Generator(10 + rank), 3, 5).to(DType.F64);
        return net.forward(x).square().sum();
    }

    @Test
    void theFirstBucketIsReducedWhileTheBackwardPassIsStillAtTheLastBucket() {
        for (int world : new int[] {2, 4}) {
            List<List<String>> logs = InProcessGroup.run(world, comm -> {
                List<String> log = new ArrayList<>();
                Recording rec = new Recording(comm, true, log);
                DataParallelStepTest.Backbone net = new DataParallelStepTest.Backbone(new Generator(1));
                Map<Tensor, String> names = new IdentityHashMap<>();
                net.namedParameters().forEach((k, p) -> names.put(p.data(), k));
                GradientAllReduce g = new GradientAllReduce(rec, net.parameters(), BUCKET);
                assertEquals(2, g.buckets().size());
                GradientReadyHook inner = g.begin();
                GradientReadyHook logging = leaf -> {
                    String name = names.get(leaf);
                    log.add("ready " + name);
                    if (name.startsWith("a.")) {
                        // this thread is inside the backward pass: bucket 0 can only finish if it runs elsewhere
                        assertTrue(awaitDone(rec.started.get(0), 20_000), "bucket 0's all-reduce finished while the backward pass waited");
                        log.add("bucket 0 done");
                    }
                    inner.ready(leaf);
                };
                try (var h = GradientReadyHook.install(logging)) {
                    loss(net, comm.rank()).backward();
                }
                g.finish();
                return log;
            });
            for (List<String> log : logs) {
                assertEquals(List.of("ready b.weight", "ready b.bias", "start bucket 0", "ready a.weight", "bucket 0 done", "ready a.bias",
                        "bucket 0 done", "start bucket 1"), log, world + " ranks");
            }
        }
    }

    private static boolean awaitDone(Communicator.Work w, long millis) {
        long end = System.currentTimeMillis() + millis;
        while (!w.isDone()) {
            if (System.currentTimeMillis() > end) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /**
     * MEMORY.md's data-parallel lines on one rank: the average leaves nothing beside the
     * gradients, and holds at most one more copy of them (the buckets in flight, with one flag
     * per parameter) plus the collective's own copy of one bucket.
     */
    @Test
    void theAverageLeavesOnlyTheGradientsAndHoldsAtMostTheBucketsInFlight() {
        long[][] got = InProcessGroup.run(1, comm -> {
            long[][] out = new long[3][];
            try (Scope s = Scope.open()) {
                DataParallelStepTest.Backbone net = new DataParallelStepTest.Backbone(new Generator(1));
                GradientAllReduce g = new GradientAllReduce(comm, net.parameters(), BUCKET);
                loss(net, 0).backward();
                for (int mode = 0; mode < 3; mode++) {
                    try (Scope step = Scope.open()) {
                        Tensor l = loss(net, 0);
                        long before = MemoryStats.liveBytes(Device.CPU);
                        MemoryStats.resetPeak(Device.CPU);
                        if (mode == 2) {
                            g.backward(l);
                        } else {
                            l.backward();
                            if (mode == 1) {
                                g.run();
                            }
                        }
                        out[mode] = new long[] {MemoryStats.liveBytes(Device.CPU) - before, MemoryStats.peakBytes(Device.CPU) - before};
                    }
                }
            }
            return out;
        }).get(0);
        long params = 0;
        for (Parameter p : new DataParallelStepTest.Backbone(new Generator(1)).parameters()) {
            params += p.data().numel() + 1;
        }
        long copy = 8 * params;
        assertEquals(got[0][0], got[1][0], "after backward then the average: nothing beyond the backward pass's own");
        assertEquals(got[0][0], got[2][0], "after the overlapped average: nothing beyond the backward pass's own");
        assertTrue(got[1][1] <= got[0][1] + copy, "average after backward: peak " + got[1][1] + " vs " + got[0][1]);
        assertTrue(got[2][1] <= got[0][1] + 2 * copy, "overlapped: peak " + got[2][1] + " vs " + got[0][1]);
    }

    /** A communicator that cannot start work beside the caller (the default, as NCCL's stream order) gives the same gradients. */
    @Test
    void overlapOverABlockingCommunicatorAndOverTheCollectiveThreadEqualTheAverageAfterBackward() {
        for (boolean async : new boolean[] {true, false}) {
            List<List<double[]>> got = InProcessGroup.run(3, comm -> {
                List<double[]> out = new ArrayList<>();
                for (boolean overlap : new boolean[] {true, false}) {
                    DataParallelStepTest.Backbone net = new DataParallelStepTest.Backbone(new Generator(1));
                    GradientAllReduce g = new GradientAllReduce(new Recording(comm, async, new ArrayList<>()), net.parameters(), BUCKET);
                    Tensor l = loss(net, comm.rank());
                    if (overlap) {
                        g.backward(l);
                    } else {
                        l.backward();
                        g.run();
                    }
                    for (Parameter p : net.parameters()) {
                        out.add(p.grad().toDoubleArray());
                    }
                }
                return out;
            });
            for (List<double[]> rank : got) {
                int n = rank.size() / 2;
                for (int p = 0; p < n; p++) {
                    assertArrayEquals(rank.get(n + p), rank.get(p), 0.0, "parameter " + p + (async ? "" : ", blocking communicator"));
                    assertArrayEquals(got.get(0).get(p), rank.get(p), 0.0, "every rank holds the same mean");
                }
            }
        }
    }
}
