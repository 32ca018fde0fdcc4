package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.distributed.JvmCommand;
import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.tensor.Scope;
import panface.tensor.io.Safetensors;

/**
 * train --stop-after K then --resume continues the same run, bit for bit (the CPU kernels'
 * default, reproducible mode; no property is set): the uninterrupted run
 * and each stopped and resumed one run in fresh JVMs under the default JIT (cold kernels, then
 * compiled ones at different points of each run) with the same thread count, and their
 * checkpoints must be byte-identical.
 */
class TrainResumeTest {
    private static final List<String> RUN = List.of("train", "--identities", "10", "--images-per-identity", "4", "--batch", "4", "--dim", "8",
            "--depth", "1", "--held-out", "4", "--eval-pairs", "20");
    private ConsoleCapture console;
    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        console = ConsoleCapture.start();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    private static List<String> args(int steps, String... extra) {
        List<String> a = new ArrayList<>(RUN);
        a.addAll(List.of("--steps", Integer.toString(steps)));
        a.addAll(List.of(extra));
        return a;
    }

    /** Runs the app in a fresh JVM with this JVM's flags and thread count. */
    private static void child(List<String> args) throws Exception {
        List<String> options = new ArrayList<>();
        for (String a : JvmCommand.options()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib")) {
                options.add(a);
            }
        }
        options.add("-Dpanface.threads=" + panface.tensor.cpu.runtime.Parallel.threads());
        List<String> cmd = new ArrayList<>(JvmCommand.of(options, Main.class));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + output);
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOneBitForBit() throws Exception {
        int steps = 3;
        Path straight = dir.resolve("straight.safetensors");
        child(args(steps, "--save", straight.toString(), "--stop-after", Integer.toString(steps)));
        byte[] expected = Files.readAllBytes(straight);
        for (int k = 1; k < steps; k++) {
            Path resumed = dir.resolve("resumed" + k + ".safetensors");
            child(args(steps, "--save", resumed.toString(), "--stop-after", Integer.toString(k)));
            child(args(steps, "--save", resumed.toString(), "--resume", resumed.toString(), "--stop-after", Integer.toString(steps)));
            assertArrayEquals(expected, Files.readAllBytes(resumed), "stopped after step " + k + " of " + steps + " and resumed");
        }
    }

    @Test
    void theCheckpointHoldsTheWholeRunAndTheRecipeMustMatch() throws Exception {
        Path straight = dir.resolve("straight.safetensors");
        Path resumed = dir.resolve("resumed.safetensors");
        assertEquals(0, Main.run(args(2, "--save", straight.toString(), "--stop-after", "2").toArray(String[]::new)), console.err());
        assertEquals(0, Main.run(args(2, "--save", resumed.toString(), "--stop-after", "1").toArray(String[]::new)), console.err());
        assertTrue(console.out().contains("stopped after step 1 of 2; continue with --resume " + resumed), console.out());
        assertEquals(2, Main.run(args(2, "--lr", "0.003", "--resume", resumed.toString()).toArray(String[]::new)));
        assertTrue(console.err().contains("was saved by a different run: --lr 0.003 (checkpoint: 0.002)"), console.err());
        assertEquals(0, Main.run(args(2, "--save", resumed.toString(), "--resume", resumed.toString(), "--stop-after", "2")
                .toArray(String[]::new)), console.err());
        assertTrue(console.out().contains("resumed " + resumed + " after step 1 of 2"), console.out());
        try (Scope s = Scope.open(); Safetensors.Reader a = Safetensors.open(straight); Safetensors.Reader b = Safetensors.open(resumed)) {
            assertEquals(a.metadata(), b.metadata(), "step, data position, sampler generator position, recipe, evaluation before training");
            assertEquals("2", a.metadata().get("step"));
            assertTrue(a.metadata().containsKey("generator.sampler.offset") && a.metadata().containsKey("data.position"), a.metadata().toString());
            assertEquals("2", a.metadata().get("data.position"));
            assertTrue(a.metadata().containsKey("eval.before.accuracy"), a.metadata().toString());
            assertEquals(a.names(), b.names());
            assertTrue(a.names().contains("head.fc.weight") && a.names().contains("head.epl.prototypes"),
                    "the Partial FC class centres and EPL's prototypes are saved: " + a.names());
            assertEquals(2L, b.tensor("optim.step").toLongArray()[0]);
        }
    }
}
