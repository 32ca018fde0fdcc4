package panface.distributed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import panface.nn.Module;
import panface.nn.io.Checkpoint;
import panface.nn.optim.Optimizer;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Checkpoints of a sharded run: a folder holding one file per rank,
 * {@code rank-R-of-W.safetensors}, each a complete {@link Checkpoint} of that rank (the replicated
 * modules, its own centre shard, its optimizer state and its generators) written atomically by
 * the rank itself, with the shard's place in the metadata ({@code shard.world_size},
 * {@code shard.rank}, {@code shard.num_classes}, {@code shard.class_start}, {@code shard.num_local},
 * {@code shard.module}). A save returns on every rank once every rank has written, so a folder
 * whose save returned is complete. A run resumes on the same world size (the shards fix it);
 * {@link ShardMerge} turns the shards into one class-centre file for any other use.
 */
public final class ShardedCheckpoint {
    private ShardedCheckpoint() {
    }

    /** The file of rank r of W in a checkpoint folder. */
    public static Path shardPath(Path dir, int rank, int world) {
        return dir.resolve("rank-" + rank + "-of-" + world + ".safetensors");
    }

    /**
     * Writes this rank's file: the modules by name (the sharded head among them, under
     * {@code headName}), its optimizer and generators; returns once every rank has written.
     */
    public static void save(Path dir, Communicator comm, Map<String, Module> modules, String headName, ShardedPartialFC head, Optimizer optimizer,
                            Map<String, Generator> generators, long step, Map<String, String> extra) throws IOException {
        if (modules.get(headName) != head) {
            throw new IllegalArgumentException("the sharded head must be among the modules, as '" + headName + "'");
        }
        Shard s = head.shard();
        Map<String, String> meta = new LinkedHashMap<>(extra == null ? Map.of() : extra);
        meta.put("shard.world_size", Integer.toString(s.worldSize()));
        meta.put("shard.rank", Integer.toString(s.rank()));
        meta.put("shard.num_classes", Integer.toString(s.numClasses()));
        meta.put("shard.class_start", Integer.toString(s.classStart()));
        meta.put("shard.num_local", Integer.toString(s.numLocal()));
        meta.put("shard.module", headName);
        Files.createDirectories(dir);
        Checkpoint.save(shardPath(dir, comm.rank(), comm.worldSize()), modules, optimizer, generators, step, meta);
        comm.barrier();
    }

    /**
     * Reads this rank's file and checks it against the run: the same world size and shard, and
     * every rank at the same step (so no rank resumes from a newer save than the others).
     */
    public static Checkpoint.State load(Path dir, Communicator comm, ShardedPartialFC head) throws IOException {
        Path p = shardPath(dir, comm.rank(), comm.worldSize());
        if (!Files.exists(p)) {
            throw new IOException(p + " does not exist: a sharded checkpoint resumes on the world size that wrote it ("
                    + describeWorlds(dir) + "); merge the shards with ShardMerge to use them elsewhere");
        }
        Checkpoint.State st = Checkpoint.load(p);
        Shard s = head.shard();
        Map<String, String> m = st.metadata();
        if (!Integer.toString(s.numClasses()).equals(m.get("shard.num_classes")) || !Integer.toString(s.classStart()).equals(m.get(
                "shard.class_start")) || !Integer.toString(s.numLocal()).equals(m.get("shard.num_local"))) {
            throw new IOException(p + " holds classes from " + m.get("shard.class_start") + " (" + m.get("shard.num_local") + " of "
                    + m.get("shard.num_classes") + "), but this rank's shard starts at " + s.classStart() + " (" + s.numLocal() + " of "
                    + s.numClasses() + ")");
        }
        Tensor steps = comm.allGather(Tensor.of(new long[] {st.step()}, 1));
        long[] all = steps.toLongArray();
        for (int r = 0; r < all.length; r++) {
            if (all[r] != st.step()) {
                throw new IOException("rank " + comm.rank() + "'s shard is at step " + st.step() + " but rank " + r + "'s at step " + all[r]
                        + ": the folder mixes two saves");
            }
        }
        return st;
    }

    private static String describeWorlds(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return "there is no folder " + dir;
        }
        try (var files = Files.list(dir)) {
            return "it holds " + files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("rank-")).sorted().toList();
        }
    }

    /** The float32 copy of a tensor's rows, for merged files. */
    static Tensor f32(Tensor t) {
        return t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }
}
