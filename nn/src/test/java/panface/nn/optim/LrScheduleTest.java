package panface.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.tensor.io.Json;

/** Learning-rate schedules against values written by their reference definitions (schedule_cases.json). */
class LrScheduleTest {

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(String kind) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (InputStream in = LrScheduleTest.class.getResourceAsStream("/optim/schedule_cases.json")) {
            for (Object o : (List<Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
                Map<String, Object> c = (Map<String, Object>) o;
                if (c.get("kind").equals(kind)) {
                    out.add(c);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(kind);
        }
        return out;
    }

    private static double num(Map<String, Object> c, String key) {
        return ((Number) c.get(key)).doubleValue();
    }

    private static long whole(Map<String, Object> c, String key) {
        return ((Number) c.get(key)).longValue();
    }

    /** Every recorded iteration, from the offset'th on, against the schedule. */
    private static void check(Map<String, Object> c, LrSchedule s, int offset) {
        List<?> values = (List<?>) c.get("values");
        Map<String, Object> settings = new java.util.LinkedHashMap<>(c);
        settings.remove("values");
        double scale = Math.max(Math.abs(num(c, "base")), Math.abs(c.containsKey("final") ? num(c, "final") : 0));
        for (int l = offset; l < values.size(); l++) {
            // float64 on both sides; numpy's linspace and the reference's recursive decay round differently
            assertEquals(((Number) values.get(l)).doubleValue(), s.lr(l - offset), 1e-12 * scale, settings + " at iteration " + l);
        }
    }

    @Test
    void warmupCosineIsDinosCosineScheduler() throws Exception {
        for (Map<String, Object> c : cases("dino_cosine")) {
            long perEpoch = whole(c, "niter_per_ep");
            LrSchedule s = LrSchedule.warmupCosine(num(c, "base"), whole(c, "warmup_epochs") * perEpoch, whole(c, "epochs") * perEpoch,
                    num(c, "final"));
            check(c, s, 0);
            assertEquals(num(c, "final"), s.lr(whole(c, "epochs") * perEpoch + 5), 0, "the final value holds after the table ends");
        }
        assertEquals(0.0, LrSchedule.warmupCosine(1.0, 4, 104, 0.0).lr(0), 0, "DINO's warm-up starts at 0");
    }

    @Test
    void polynomialWarmupIsInsightfacesScheduler() throws Exception {
        for (Map<String, Object> c : cases("insightface_poly")) {
            LrSchedule s = LrSchedule.polynomialWarmup(num(c, "base"), whole(c, "warmup"), whole(c, "total"), num(c, "power"));
            check(c, s, 0);
            check(c, s.skip(1), 1);
        }
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.polynomialWarmup(1, 10, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.polynomialWarmup(1, 1, 10, 1).skip(-1));
    }

    @Test
    void multiStepIsTorchsMultiStepLrPerEpoch() throws Exception {
        for (Map<String, Object> c : cases("multistep")) {
            List<?> ms = (List<?>) c.get("milestones");
            int[] milestones = new int[ms.size()];
            for (int i = 0; i < milestones.length; i++) {
                milestones[i] = ((Number) ms.get(i)).intValue();
            }
            check(c, LrSchedule.multiStep(num(c, "base"), whole(c, "steps_per_epoch"), milestones, num(c, "gamma")), 0);
        }
    }
}
