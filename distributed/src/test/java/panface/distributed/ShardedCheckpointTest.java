package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.faceloss.Margin;
import panface.nn.Module;
import panface.nn.io.Checkpoint;
import panface.nn.layers.Linear;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/** Sharded checkpoints: a resumed run continues bit for bit, the shards merge into one centre file, mismatches are refused. */
class ShardedCheckpointTest {
    private static final int C = 11;
    private static final int D = 4;

    /** One rank's training state. */
    static final class Run {
        final Linear net;
        final ShardedPartialFC head;
        final SGD opt;
        final DataParallel dp;

        Run(Communicator comm) {
            dp = new DataParallel(comm);
            net = new Linear(3, D, true, new Generator(1));
            head = dp.partialFc(C, D, 0.5, Margin.arcFace(16, 0.5), new Generator(2));
            dp.replicate(net);
            opt = new SGD(List.of(ParamGroup.of(net.parameters(), 5e-4), ParamGroup.of(head.parameters(), 5e-4)), 0.1, 0.9);
        }

        void step(int s) {
            Generator data = new Generator(1000 + 10L * s + dp.rank());
            opt.zeroGrad();
            Tensor x = Tensor.randn(data, 2, 3);
            long[] y = {data.nextInt(C), data.nextInt(C)};
            head.loss(net.forward(x), Tensor.of(y, 2)).backward();
            dp.averageGradients();
            opt.step();
        }

        Map<String, Module> modules() {
            return Map.of("model", net, "head", head);
        }

        void save(Path dir, long step) throws IOException {
            ShardedCheckpoint.save(dir, dp.communicator(), modules(), "head", head, opt, Map.of("sampler", head.sampler()), step, null);
        }

        float[] state() {
            float[] a = net.weight().data().toFloatArray();
            float[] b = head.weight().data().toFloatArray();
            float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    @Test
    void aResumedRunContinuesExactlyAndTheShardsMerge(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        List<float[]> uninterrupted = InProcessGroup.run(2, comm -> {
            Run run = new Run(comm);
            run.step(0);
            run.step(1);
            run.save(dir, 2);
            run.step(2);
            return run.state();
        });
        List<float[]> resumed = InProcessGroup.run(2, comm -> {
            Run run = new Run(comm);
            Checkpoint.State st = ShardedCheckpoint.load(dir, comm, run.head);
            Checkpoint.restore(st, run.modules(), run.opt, Map.of("sampler", run.head.sampler()));
            run.step((int) st.step());
            return run.state();
        });
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(uninterrupted.get(r), resumed.get(r), "rank " + r);
        }
        // merging: the file's rows are every shard's rows in class order
        Path merged = tmp.resolve("centres.safetensors");
        assertArrayEquals(new int[] {C, D}, ShardMerge.merge(dir, merged));
        float[] all = Safetensors.load(merged).get("weight").toFloatArray();
        int at = 0;
        for (int r = 0; r < 2; r++) {
            float[] shard = Checkpoint.load(ShardedCheckpoint.shardPath(dir, r, 2)).modules().get("head").get("weight").toFloatArray();
            assertArrayEquals(shard, java.util.Arrays.copyOfRange(all, at, at + shard.length), "rows of rank " + r);
            at += shard.length;
        }
        assertEquals(C * D, at);
    }

    @Test
    void anotherWorldSizeOrAMissingShardIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        InProcessGroup.run(2, comm -> {
            new Run(comm).save(dir, 5);
            return null;
        });
        CollectiveException e = assertThrows(CollectiveException.class, () -> InProcessGroup.run(3, comm -> {
            Run run = new Run(comm);
            return ShardedCheckpoint.load(dir, comm, run.head);
        }));
        assertTrue(e.getMessage().contains("resumes on the world size"), e.getMessage());
        Files.delete(ShardedCheckpoint.shardPath(dir, 1, 2));
        IOException m = assertThrows(IOException.class, () -> ShardMerge.merge(dir, tmp.resolve("x.safetensors")));
        assertTrue(m.getMessage().contains("lacks the shards of rank 1 of 2"), m.getMessage());
    }
}
