package panface.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;

/** The command-line app: help, usage errors, and the commands end to end. */
class MainTest {
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

    @Test
    void helpListsEveryCommand() {
        assertEquals(0, Main.run(new String[] {"--help"}));
        for (String c : new String[] {"demo", "info", "golden", "inspect", "embed", "compare", "pack"}) {
            assertTrue(console.out().contains("  " + c + " "), c + " in\n" + console.out());
        }
        assertEquals(0, Main.run(new String[] {"golden", "--help"}));
        assertTrue(console.out().contains("usage: panface golden DIR"));
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, Main.run(new String[] {"no-such-command"}));
        assertTrue(console.err().contains("unknown command 'no-such-command'"));
        assertEquals(2, Main.run(new String[] {"golden", "a", "--dtype", "I32"}));
        assertTrue(console.err().contains("--dtype must be F32 or F64"));
        assertEquals(2, Main.run(new String[] {"inspect", "x", "--bogus", "1"}));
        assertTrue(console.err().contains("unknown option --bogus"));
        assertEquals(2, Main.run(new String[] {"train", "--log-every", "0"}));
        assertTrue(console.err().contains("log-every must be positive"));
    }

    @Test
    void goldenAndInspectRunEndToEnd() throws Exception {
        Safetensors.save(dir.resolve("relu.safetensors"), Map.of("input.x", Tensor.of(new double[] {-1, 2}), "output.y",
                Tensor.of(new double[] {0, 2})), Map.of("op", "relu", "args", "{}", "schema", "1"));
        assertEquals(0, Main.run(new String[] {"golden", dir.toString(), "--dtype", "F32"}));
        assertTrue(console.out().contains("\"case\":\"relu\",\"op\":\"relu\",\"status\":\"ok\",\"dtype\":\"F32\""), console.out());
        assertTrue(console.out().contains("{\"summary\":true,\"cases\":1,\"ok\":1,\"unsupported\":0,\"error\":0}"));
        assertEquals(0, Main.run(new String[] {"inspect", dir.resolve("relu.safetensors").toString()}));
        assertTrue(console.out().contains("2 tensors, 4 parameters in total"), console.out());
        assertEquals(1, Main.run(new String[] {"inspect", dir.resolve("missing.pt").toString()}));
        assertEquals(1, Main.run(new String[] {"golden", dir.resolve("nope").toString()}));
    }

    @Test
    void demoTrainsAndReportsAccuracy() {
        assertEquals(0, Main.run(new String[] {"demo", "--steps", "40", "--classes", "5", "--batch", "64"}));
        String s = console.out();
        assertTrue(s.contains("step    1  loss"), s);
        assertTrue(s.contains("held-out accuracy"), s);
    }

    @Test
    void trainLowersTheLossOfATinyFaceViT() {
        int steps = 40;
        assertEquals(0, Main.run(new String[] {"train", "--steps", Integer.toString(steps), "--identities", "4", "--batch", "16",
            "--dim", "16", "--depth", "1", "--log-every", "1"}), console.err());
        String s = console.out();
        Matcher m = Pattern.compile("step +(\\d+)  loss +(\\S+)  lr").matcher(s);
        List<Double> losses = new ArrayList<>();
        while (m.find()) {
            assertEquals(losses.size() + 1, Integer.parseInt(m.group(1)), "one line per step, in order\n" + s);
            losses.add(Double.parseDouble(m.group(2)));
        }
        assertEquals(steps, losses.size(), s);
        for (double l : losses) {
            assertTrue(Double.isFinite(l) && l >= 0, "a cross-entropy is finite and not negative: " + l);
        }
        // single steps are noisy (a new random batch each); compare the first and last quarters
        double early = losses.subList(0, steps / 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double late = losses.subList(steps - steps / 4, steps).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(late < 0.5 * early, "the loss falls: mean " + early + " over the first steps, " + late + " over the last\n" + s);
        Matcher acc = Pattern.compile("verification accuracy on new samples: ([0-9.]+)%").matcher(s);
        assertTrue(acc.find(), s);
        double a = Double.parseDouble(acc.group(1));
        // chance is 50%; the four identities are told apart once the loss has fallen this far
        assertTrue(a >= 75 && a <= 100, "verification accuracy " + a + "\n" + s);
    }
}
