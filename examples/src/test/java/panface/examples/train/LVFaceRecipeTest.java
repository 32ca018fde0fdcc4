package panface.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recipe's config: the paper's defaults, a JSON file, command-line overrides, and refusals. */
class LVFaceRecipeTest {

    @Test
    void theDefaultsAreThePapersRecipe() {
        LVFaceRecipe r = LVFaceRecipe.defaults();
        assertEquals("lvface", r.loss());
        assertEquals(0.1, r.weightDecay());
        assertEquals(64, r.scale());
        assertEquals(0.5, r.margin());
        assertEquals(0.3, r.sampleRate());
        assertEquals(0.4, r.switchAt(), "40 of 100 epochs");
        assertEquals(0.7, r.eplK());
        assertEquals(5.0, r.clip());
        assertTrue(r.switches());
        assertEquals(0.5, r.marginFunction().m2(), "ArcFace: the margin is angular");
    }

    @Test
    void aConfigFileThenOverridesWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, """
                {"loss": "cosface", "steps": 1000, "lr": 0.003, "sample_rate": 0.5, "seed": 7, "switch_epoch": 3}
                """);
        LVFaceRecipe r = LVFaceRecipe.parse(LVFaceRecipe.readConfig(file), Map.of("steps", "200", "batch", "16"));
        assertEquals("cosface", r.loss());
        assertEquals(200, r.steps(), "the command line overrides the file");
        assertEquals(16, r.batch());
        assertEquals(0.003, r.lr());
        assertEquals(0.5, r.sampleRate());
        assertEquals(7L, r.seed());
        assertEquals(0.4, r.margin(), "CosFace's default margin");
        assertEquals(0.0, r.marginFunction().m2());
        assertEquals(0.4, r.marginFunction().m3());
        assertFalse(r.switches(), "a baseline never leaves Partial FC");
        assertEquals(200, r.switchStep(10));
        assertEquals(0.35, LVFaceRecipe.parse(Map.of("loss", "cosface", "margin", 0.35), Map.of()).margin(), "a given margin stays");
    }

    @Test
    void theSwitchIsAFractionOfTheStepsOrAnEpoch() {
        assertEquals(400, LVFaceRecipe.parse(Map.of("steps", 1000), Map.of()).switchStep(77));
        assertEquals(3 * 77, LVFaceRecipe.parse(Map.of("steps", 1000, "switch_epoch", 3), Map.of()).switchStep(77));
        assertEquals(1000, LVFaceRecipe.parse(Map.of("steps", 1000, "switch_epoch", 30), Map.of()).switchStep(77),
                "an epoch after the run: no switch");
        assertEquals(0, LVFaceRecipe.parse(Map.of("switch_at", 0), Map.of()).switchStep(77), "the stable stage from the start");
    }

    @Test
    void unknownKeysAndWrongTypesAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of("sample_rat", 0.3), Map.of()));
        assertTrue(e.getMessage().contains("unknown config key 'sample_rat'") && e.getMessage().contains("sample_rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of(), Map.of("warm_up", "0.1")));
        assertTrue(e.getMessage().contains("unknown --warm-up"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of("steps", 10.5), Map.of()));
        assertTrue(e.getMessage().contains("config key 'steps' expects an integer, got '10.5'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of("lr", "fast"), Map.of()));
        assertTrue(e.getMessage().contains("config key 'lr' expects a finite number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of(), Map.of("lr", "Infinity")));
        assertTrue(e.getMessage().contains("--lr expects a finite number, got 'Infinity'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of("loss", 3L), Map.of()));
        assertTrue(e.getMessage().contains("'loss' expects a string"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of(), Map.of("loss", "softmax")));
        assertTrue(e.getMessage().contains("loss must be lvface, arcface or cosface"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.parse(Map.of(), Map.of("sample_rate", "0")));
        assertTrue(e.getMessage().contains("0 < sample_rate <= 1"), e.getMessage());
        assertEquals(12, LVFaceRecipe.parse(Map.of("steps", 12.0), Map.of()).steps(), "an integral JSON number is an integer");
    }

    @Test
    void aBadJsonFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"steps\": }");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LVFaceRecipe.readConfig(file));
        assertTrue(e.getMessage().startsWith(file + ": bad JSON"), e.getMessage());
    }
}
