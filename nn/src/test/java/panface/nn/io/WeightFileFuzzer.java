package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.io.WeightFileException;

/**
 * Random mutants of valid PyTorch checkpoints (real torch.save files, zip and legacy) and
 * safetensors files, each read in-process through {@link WeightFiles#read}: the only acceptable
 * outcomes are the tensors or a {@link WeightFileException} that is not an internal error, within
 * a time limit and an allocation limit per file. The mutations are {@link WeightFileMutations}.
 *
 * <p>{@code main(count [seed [folder]])} runs a long campaign and saves failing inputs to folder.
 */
public final class WeightFileFuzzer {
    /** The slowest a single read may be; valid reads of these files take about a millisecond. */
    static final long TIMEOUT_MS = 5_000;
    /** The most a single read may allocate: the seeds are a few KiB, so this is thousands of times their size. */
    static final long ALLOCATION_LIMIT = 48L << 20;
    /** A mutant that was not read cleanly. */
    public record Failure(int index, String seed, String mutation, String problem, byte[] bytes) {
    }

    /** The outcome of a campaign. */
    public record Result(int mutants, int read, int refused, long nanos, List<Failure> failures) {
    }

    private final Path dir;
    private final Map<String, byte[]> seeds;
    private final List<String> names;

    WeightFileFuzzer(Path dir) throws IOException {
        this.dir = dir;
        this.seeds = seeds();
        this.names = new ArrayList<>(seeds.keySet());
    }

    /** The valid files mutants start from. */
    static Map<String, byte[]> seeds() throws IOException {
        Map<String, byte[]> s = new LinkedHashMap<>();
        for (String n : new String[] {"plain.pt", "nested.pt", "linear.pt", "legacy.pt"}) {
            try (InputStream in = WeightFileFuzzer.class.getResourceAsStream("/torch/" + n)) {
                s.put(n, in.readAllBytes());
            }
        }
        s.put("crafted_state_dict.pt", HostileTorchFiles.all().get("legit_state_dict"));
        s.put("billion_laughs.pt", HostileTorchFiles.all().get("billion_laughs"));
        Path tmp = Files.createTempFile("seed", ".safetensors");
        try (Scope scope = Scope.open()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("conv.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
            t.put("bn.num_batches_tracked", Tensor.of(new long[] {7}));
            t.put("mask", Tensor.of(new boolean[] {true, false}));
            t.put("half", Tensor.of(new float[] {0.5f, 2}).to(DType.F16));
            t.put("empty", Tensor.of(new float[0]));
            Safetensors.save(tmp, t, Map.of("format", "pt"));
            s.put("weights.safetensors", Files.readAllBytes(tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
        return s;
    }

    /** Runs count mutants from a seed of the random generator. */
    Result run(int count, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Failure> failures = new ArrayList<>();
        int read = 0;
        int refused = 0;
        long start = System.nanoTime();
        ExecutorService worker = newWorker();
        try {
            for (int i = 0; i < count; i++) {
                String seedName = pickSeed(rnd);
                StringBuilder how = new StringBuilder();
                byte[] mutant = WeightFileMutations.mutate(seeds.get(seedName), rnd, how);
                Path file = dir.resolve("mutant-" + i + (seedName.endsWith(".pt") ? ".pt" : ".safetensors"));
                Files.write(file, mutant);
                Future<String> f = worker.submit(() -> readOnce(file));
                String problem;
                try {
                    problem = f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    problem = "no result within " + TIMEOUT_MS + " ms";
                    f.cancel(true);
                    worker.shutdownNow();
                    worker = newWorker();
                } catch (Exception e) {
                    problem = "the harness failed: " + e;
                }
                if (problem == null) {
                    read++;
                } else if (problem.isEmpty()) {
                    refused++;
                } else {
                    failures.add(new Failure(i, seedName, how.toString(), problem, mutant));
                }
                Files.deleteIfExists(file);
            }
        } finally {
            worker.shutdownNow();
        }
        return new Result(count, read, refused, System.nanoTime() - start, failures);
    }

    /** A seed at random; the legacy file, which is refused at its first byte, rarely. */
    private String pickSeed(SplittableRandom rnd) {
        String s = names.get(rnd.nextInt(names.size()));
        return s.equals("legacy.pt") && rnd.nextInt(8) != 0 ? names.get(rnd.nextInt(names.size())) : s;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-read");
            t.setDaemon(true);
            return t;
        });
    }

    /** null: read; "": refused cleanly; otherwise what went wrong. */
    private static String readOnce(Path file) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        String outcome;
        try (Scope s = Scope.open()) {
            WeightFiles.read(file);
            outcome = null;
        } catch (WeightFileException e) {
            boolean named = e.getMessage().startsWith(file + ": ");
            outcome = e.getMessage().contains("internal error") || !named ? "unclean refusal: " + e.getMessage() : "";
        } catch (Throwable e) {
            outcome = "threw " + e;
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        if (allocated > ALLOCATION_LIMIT) {
            return "allocated " + allocated + " bytes" + (outcome == null || outcome.isEmpty() ? "" : "; " + outcome);
        }
        return outcome;
    }

    /** Usage: count [seed [folder for failing inputs]]. Prints a summary; exits 1 when any mutant failed. */
    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        Path out = args.length > 2 ? Path.of(args[2]) : null;
        Path tmp = Files.createTempDirectory("weight-fuzz");
        Result r = new WeightFileFuzzer(tmp).run(count, seed);
        System.out.printf(java.util.Locale.ROOT, "%d mutants (seed %d) in %.1f s: %d read, %d refused cleanly, %d failures%n", r.mutants(),
                seed, r.nanos() / 1e9, r.read(), r.refused(), r.failures().size());
        for (Failure f : r.failures()) {
            System.out.printf("FAIL #%d from %s %s: %s%n", f.index(), f.seed(), f.mutation(), f.problem());
            if (out != null) {
                Files.createDirectories(out);
                Files.write(out.resolve("failure-" + f.index() + (f.seed().endsWith(".pt") ? ".pt" : ".safetensors")), f.bytes());
            }
        }
        Files.deleteIfExists(tmp);
        System.exit(r.failures().isEmpty() ? 0 : 1);
    }
}
