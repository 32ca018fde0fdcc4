package panface.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.distributed.JvmCommand;
import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/**
 * By default (no property set: this test guards the default), the same seed, data and thread
 * count give the same bits, whatever the JIT has compiled. A short
 * training (face ViT, ArcFace over Partial FC, AdamW) runs in a JVM held at the first JIT tier,
 * where the Vector API runs its per-lane Java code, and twice in this JVM, where the second run
 * finds most kernels compiled with the Vector API's intrinsics; every saved tensor must match bit
 * for bit.
 */
class ReproducibilityTest {
    private static final String[] TRAIN = {"train", "--steps", "4", "--identities", "6", "--batch", "8", "--dim", "16", "--depth", "1",
        "--log-every", "100", "--images-per-identity", "4", "--held-out", "4", "--eval-pairs", "20", "--stop-after", "4"};

    private static String[] trainTo(Path file) {
        List<String> a = new ArrayList<>(List.of(TRAIN));
        a.add("--save");
        a.add(file.toString());
        return a.toArray(String[]::new);
    }

    @Test
    void trainingGivesTheSameBitsInEveryJitState(@TempDir Path dir) throws Exception {
        Path firstTier = dir.resolve("first-tier.safetensors");
        List<String> options = new ArrayList<>(JvmCommand.moduleOptions());
        options.addAll(List.of("-XX:TieredStopAtLevel=1", "-Dpanface.threads=" + panface.tensor.cpu.runtime.Parallel.threads()));
        List<String> cmd = new ArrayList<>(JvmCommand.of(options, Main.class));
        cmd.addAll(List.of(trainTo(firstTier)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        assertEquals(0, p.waitFor(), () -> "the first-tier run failed: " + read(dir.resolve("child.log")));

        Path cold = dir.resolve("cold.safetensors");
        Path warm = dir.resolve("warm.safetensors");
        assertEquals(0, Main.run(trainTo(cold)));
        assertEquals(0, Main.run(trainTo(warm)));

        Map<String, int[]> want = bits(firstTier);
        for (Path other : new Path[] {cold, warm}) {
            Map<String, int[]> got = bits(other);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                assertArrayEquals(want.get(k), got.get(k), k + " differs between the first-tier run and " + other.getFileName());
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Every floating tensor of a checkpoint as float32 bit patterns, by name. */
    private static Map<String, int[]> bits(Path file) throws IOException {
        Map<String, int[]> out = new TreeMap<>();
        try (Scope s = Scope.open()) {
            for (Map.Entry<String, Tensor> e : Safetensors.load(file).entrySet()) {
                Tensor t = e.getValue();
                if (!t.dtype().isFloating()) {
                    continue;
                }
                float[] f = t.to(DType.F32).toFloatArray();
                int[] b = new int[f.length];
                for (int i = 0; i < f.length; i++) {
                    b[i] = Float.floatToRawIntBits(f[i]);
                }
                out.put(e.getKey(), b);
            }
        }
        return out;
    }
}
