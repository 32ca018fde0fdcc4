package panface.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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
import panface.tensor.io.Json;
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
        for (String c : new String[] {"demo", "info", "golden", "inspect", "embed", "compare", "pack", "distill"}) {
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
        assertEquals(2, Main.run(new String[] {"distill", "--data", "x"}));
        assertTrue(console.err().contains("--teacher, --teacher-arch and --data are required"));
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
    void trainLowersTheLossOfATinyFaceViTAndEndsWithItsResultsAsJson() throws Exception {
        int steps = 40;
        Path roc = dir.resolve("roc.png");
        assertEquals(0, Main.run(new String[] {"train", "--steps", Integer.toString(steps), "--identities", "4", "--images-per-identity", "8",
            "--batch", "16", "--dim", "16", "--depth", "1", "--log-every", "1", "--held-out", "10", "--eval-pairs", "40", "--roc",
            roc.toString()}), console.err());
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
        assertTrue(s.contains("early (rate 0.3)") && s.contains("stable (rate 1.0)"), "both stages run\n" + s);
        String[] lines = s.strip().split("\n");
        Map<String, Object> result = Json.parseObject(lines[lines.length - 1]);
        assertEquals(List.of("before", "after", "seconds", "roc_png"), List.copyOf(result.keySet()), "the last line is the result");
        for (String when : new String[] {"before", "after"}) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) result.get(when);
            double acc = ((Number) r.get("accuracy")).doubleValue();
            double tar = ((Number) r.get("tar_at_far_1e-3")).doubleValue();
            assertTrue(acc >= 0 && acc <= 1 && tar >= 0 && tar <= 1, when + ": " + r);
        }
        assertEquals(roc.toString(), result.get("roc_png"));
        assertTrue(Files.size(roc) > 0, "the ROC plot is written");
    }
}
