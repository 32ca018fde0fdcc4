package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * A checkpoint continues only the run that saved it, in both directions: a setting this run has
 * and the checkpoint lacks, and a setting recorded only when not at its default that the
 * checkpoint has and this run, at the default, lacks.
 */
class LafsResumeTest {
    private static final Path FILE = Path.of("state.safetensors");
    private static final Set<String> OPTIONAL = Set.of("lafs.pretrain.dino");

    @Test
    void theSameSettingsResume() {
        Map<String, String> run = Map.of("lafs.pretrain.options", "a");
        assertDoesNotThrow(() -> LafsResume.checkEntries(FILE, run, Map.of("lafs.pretrain.options", "a", "data.position", "7"), OPTIONAL));
        Map<String, String> sinkhorn = Map.of("lafs.pretrain.options", "a", "lafs.pretrain.dino", "SINKHORN_KNOPP");
        assertDoesNotThrow(() -> LafsResume.checkEntries(FILE, sinkhorn, sinkhorn, OPTIONAL));
    }

    @Test
    void aNonDefaultSettingOnEitherSideIsRefused() {
        Map<String, String> defaults = Map.of("lafs.pretrain.options", "a");
        Map<String, String> sinkhorn = Map.of("lafs.pretrain.options", "a", "lafs.pretrain.dino", "SINKHORN_KNOPP");
        IllegalArgumentException savedNonDefault = assertThrows(IllegalArgumentException.class,
                () -> LafsResume.checkEntries(FILE, defaults, sinkhorn, OPTIONAL));
        assertTrue(savedNonDefault.getMessage().contains("lafs.pretrain.dino the default (checkpoint: SINKHORN_KNOPP)"),
                savedNonDefault.getMessage());
        IllegalArgumentException runNonDefault = assertThrows(IllegalArgumentException.class,
                () -> LafsResume.checkEntries(FILE, sinkhorn, defaults, OPTIONAL));
        assertTrue(runNonDefault.getMessage().contains("lafs.pretrain.dino SINKHORN_KNOPP (checkpoint: not recorded)"),
                runNonDefault.getMessage());
    }
}
