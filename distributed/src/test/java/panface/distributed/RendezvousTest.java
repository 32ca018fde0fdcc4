package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;

/** The TCP store, the rendezvous and the store's collectives, with ranks as threads talking over the loopback. */
class RendezvousTest {

    private static DistEnv env(int rank, int world, int port, long timeoutMillis) {
        return new DistEnv(rank, world, rank, world, "127.0.0.1", port, true, Duration.ofMillis(timeoutMillis));
    }

    @Test
    void storeWaitsForKeysAndCountsAtomically() throws Exception {
        try (StoreServer server = StoreServer.start(InetAddress.getLoopbackAddress(), 0);
             TcpStore a = TcpStore.connect("127.0.0.1", server.port(), Duration.ofSeconds(5));
             TcpStore b = TcpStore.connect("127.0.0.1", server.port(), Duration.ofSeconds(5))) {
            Thread setter = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                b.set("k", new byte[] {4, 2});
            });
            assertArrayEquals(new byte[] {4, 2}, a.get("k", Duration.ofSeconds(5)));
            setter.join();
            assertEquals(1, a.add("n", 1));
            assertEquals(3, b.add("n", 2));
            assertEquals(List.of("missing"), a.waitAll(List.of("k", "missing"), Duration.ofMillis(50)));
            CollectiveException e = assertThrows(CollectiveException.class, () -> a.get("never", Duration.ofMillis(50)));
            assertTrue(e.getMessage().contains("never"), e.getMessage());
        }
    }

    @Test
    void ranksRendezvousAndRunTheStoreCollectives() throws Exception {
        int world = 3;
        try (StoreServer server = StoreServer.start(InetAddress.getLoopbackAddress(), 0);
             ExecutorService pool = Executors.newFixedThreadPool(world)) {
            List<Future<double[]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (Rendezvous rdzv = Rendezvous.join(env(rank, world, server.port(), 10_000));
                         StoreCollectives c = new StoreCollectives(rdzv)) {
                        Tensor t = Tensor.of(new double[] {rank + 1, 10 * rank}, 2);
                        c.allReduce(t, Communicator.Op.SUM);
                        Tensor m = Tensor.of(new double[] {rank}, 1);
                        c.allReduce(m, Communicator.Op.MAX);
                        Tensor g = c.allGather(Tensor.of(new long[] {rank}, 1));
                        Tensor s = c.reduceScatter(Tensor.of(new double[] {1, 2, 3}, 3), Communicator.Op.SUM);
                        Tensor b = Tensor.of(new double[] {rank == 1 ? 7 : 0}, 1);
                        c.broadcast(b, 1);
                        c.barrier();
                        long[] gl = g.toLongArray();
                        return new double[] {t.toDoubleArray()[0], t.toDoubleArray()[1], m.item(), gl[0], gl[1], gl[2], s.item(), b.item()};
                    }
                }));
            }
            for (int r = 0; r < world; r++) {
                // sums 1+2+3 and 0+10+20; max rank 2; ranks in order; row r of 3*(1,2,3); root 1's value
                assertArrayEquals(new double[] {6, 30, 2, 0, 1, 2, 3 * (r + 1), 7}, results.get(r).get(), 0, "rank " + r);
            }
        }
    }

    /** Started all-reduces run on the rank's collective thread in issue order, and a blocking collective waits for them. */
    @Test
    void storeCollectivesRunStartedAllReducesInIssueOrder() throws Exception {
        int world = 2;
        try (StoreServer server = StoreServer.start(InetAddress.getLoopbackAddress(), 0);
             ExecutorService pool = Executors.newFixedThreadPool(world)) {
            List<Future<double[]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (Rendezvous rdzv = Rendezvous.join(env(rank, world, server.port(), 10_000));
                         StoreCollectives c = new StoreCollectives(rdzv)) {
                        Tensor a = Tensor.of(new double[] {rank + 1}, 1);
                        Tensor b = Tensor.of(new double[] {10 * (rank + 1), 1}, 2);
                        Communicator.Work wa = c.allReduceAsync(a, Communicator.Op.SUM);
                        Communicator.Work wb = c.allReduceAsync(b, Communicator.Op.MAX);
                        long[] g = c.allGather(Tensor.of(new long[] {rank}, 1)).toLongArray();
                        boolean doneBeforeGather = wa.isDone() && wb.isDone();
                        wb.await();
                        wa.await();
                        return new double[] {a.item(), b.toDoubleArray()[0], b.toDoubleArray()[1], g[0], g[1], doneBeforeGather ? 1 : 0};
                    }
                }));
            }
            for (int r = 0; r < world; r++) {
                // 1 + 2; max of 10 and 20, and of 1 and 1; the ranks in order; both done when the gather returned
                assertArrayEquals(new double[] {3, 20, 1, 0, 1, 1}, results.get(r).get(), 0, "rank " + r);
            }
        }
    }

    @Test
    void aMissingRankIsNamedAtTheTimeOut() throws Exception {
        try (StoreServer server = StoreServer.start(InetAddress.getLoopbackAddress(), 0);
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            // ranks 0 and 2 of 3 arrive; rank 1 never does
            Future<String> r0 = pool.submit(() -> failure(() -> Rendezvous.join(env(0, 3, server.port(), 500))));
            Future<String> r2 = pool.submit(() -> failure(() -> Rendezvous.join(env(2, 3, server.port(), 500))));
            for (String msg : List.of(r0.get(), r2.get())) {
                assertTrue(msg.contains("rank 1 did not arrive"), msg);
            }
        }
    }

    @Test
    void aRankClaimedTwiceIsRefused() throws Exception {
        try (StoreServer server = StoreServer.start(InetAddress.getLoopbackAddress(), 0);
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<String> a = pool.submit(() -> failure(() -> Rendezvous.join(env(1, 2, server.port(), 500))));
            Future<String> b = pool.submit(() -> failure(() -> Rendezvous.join(env(1, 2, server.port(), 500))));
            String both = a.get() + " / " + b.get();
            assertTrue(both.contains("rank 1 was claimed twice"), both);
        }
    }

    private static String failure(java.util.concurrent.Callable<Rendezvous> join) {
        try (Rendezvous r = join.call()) {
            return "joined";
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    @Test
    void environmentConventions() {
        DistEnv t = DistEnv.from(java.util.Map.of("RANK", "3", "WORLD_SIZE", "8", "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4", "MASTER_ADDR",
                "node0", "MASTER_PORT", "29500"));
        assertEquals(new DistEnv(3, 8, 1, 4, "node0", 29500, false, Duration.ofSeconds(300)), t);
        DistEnv s = DistEnv.from(java.util.Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "16", "SLURM_LOCALID", "1", "SLURM_NTASKS_PER_NODE",
                "8", "SLURM_JOB_NODELIST", "gpu[07-08]", "SLURM_JOB_ID", "123456"));
        assertEquals(new DistEnv(5, 16, 1, 8, "gpu07", 20000 + 123456 % 20000, false, Duration.ofSeconds(300)), s);
        // sbatch's per-node counts ("4(x2)": 4 tasks on each of 2 nodes), with the master named explicitly
        DistEnv s2 = DistEnv.from(java.util.Map.of("SLURM_PROCID", "6", "SLURM_NTASKS", "8", "SLURM_LOCALID", "2", "SLURM_TASKS_PER_NODE",
                "4(x2)", "SLURM_JOB_NODELIST", "n[1-2]", "MASTER_ADDR", "head", "MASTER_PORT", "29400"));
        assertEquals(new DistEnv(6, 8, 2, 4, "head", 29400, false, Duration.ofSeconds(300)), s2);
        assertEquals(1, DistEnv.from(java.util.Map.of()).worldSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.from(java.util.Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "1")));
        assertTrue(e.getMessage().contains("MASTER_ADDR"), e.getMessage());
        assertEquals("a1", DistEnv.firstHost("a1,b2"));
        assertEquals("n", DistEnv.firstHost("n"));
        assertEquals("x001", DistEnv.firstHost("x[001-004],y[1]"));
    }
}
