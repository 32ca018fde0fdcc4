package panface.distributed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * Merges the class-centre shards of a {@link ShardedCheckpoint} folder into one safetensors file
 * holding {@code weight} (C, D), the centres of every class in class order (what a
 * single-process Partial FC or margin head loads), with the step in the metadata. Checks that the
 * folder holds every rank of one world size, all at one step, whose shards tile [0, C) in order.
 * The output is written atomically. Usage: {@code ShardMerge FOLDER OUT.safetensors}.
 */
public final class ShardMerge {
    private static final Pattern NAME = Pattern.compile("rank-(\\d+)-of-(\\d+)\\.safetensors");

    private ShardMerge() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ShardMerge CHECKPOINT_FOLDER OUT.safetensors");
            System.exit(2);
        }
        int[] cd = merge(Path.of(args[0]), Path.of(args[1]));
        System.out.println("merged " + cd[0] + " class centres of dimension " + cd[1] + " into " + args[1]);
    }

    /** Merges the folder's shards into out; returns {C, D}. */
    public static int[] merge(Path dir, Path out) throws IOException {
        TreeMap<Integer, Path> byRank = new TreeMap<>();
        int world = -1;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                int w = Integer.parseInt(m.group(2));
                if (world >= 0 && w != world) {
                    throw new IOException(dir + " mixes shards of world sizes " + world + " and " + w);
                }
                world = w;
                byRank.put(Integer.parseInt(m.group(1)), f);
            }
        }
        if (world < 0) {
            throw new IOException(dir + " holds no rank-R-of-W.safetensors shards");
        }
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            if (!byRank.containsKey(r)) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException(dir + " lacks the shards of " + CollectiveException.ranks(missing) + " of " + world);
        }
        List<Tensor> parts = new ArrayList<>();
        String step = null;
        int next = 0;
        int numClasses = -1;
        for (Map.Entry<Integer, Path> e : byRank.entrySet()) {
            try (Safetensors.Reader r = Safetensors.open(e.getValue())) {
                Map<String, String> meta = r.metadata();
                String module = meta.get("shard.module");
                if (module == null) {
                    throw new IOException(e.getValue() + " is not a shard of a sharded checkpoint (no shard.module metadata)");
                }
                if (step != null && !step.equals(meta.get("step"))) {
                    throw new IOException("rank " + e.getKey() + " is at step " + meta.get("step") + " but rank 0 at step " + step
                            + ": the folder mixes two saves");
                }
                step = meta.get("step");
                int start = Integer.parseInt(meta.get("shard.class_start"));
                int local = Integer.parseInt(meta.get("shard.num_local"));
                numClasses = Integer.parseInt(meta.get("shard.num_classes"));
                if (start != next) {
                    throw new IOException("rank " + e.getKey() + "'s shard starts at class " + start + ", expected " + next);
                }
                Tensor w = r.tensor(module + ".weight");
                if (w.size(0) != local) {
                    throw new IOException("rank " + e.getKey() + "'s shard has " + w.size(0) + " rows, its metadata says " + local);
                }
                parts.add(ShardedCheckpoint.f32(w));
                next += local;
            }
        }
        if (next != numClasses) {
            throw new IOException("the shards cover " + next + " classes of " + numClasses);
        }
        Tensor all = F.cat(parts, 0);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", step);
        meta.put("merged_from_world_size", Integer.toString(world));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("weight", all);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Safetensors.save(out, tensors, meta);
        return new int[] {all.size(0), all.size(1)};
    }
}
