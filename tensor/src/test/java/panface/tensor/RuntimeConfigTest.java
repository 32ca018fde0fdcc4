package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuntimeConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        RuntimeConfig c = RuntimeConfig.defaults();
        assertEquals(Runtime.getRuntime().availableProcessors(), c.threads());
        assertEquals(100, c.spinMicros());
        assertTrue(c.reproducible());
        assertEquals(448, c.gemmKc());
        assertEquals(32L << 20, c.packLimitBytes());
        assertEquals(5e7, c.gemmSharedPackFlops());
        assertNull(c.gemmSplitColumns());
        assertFalse(c.cudaTf32());
        // Every numeric default written in the table is the value the parser produces.
        for (RuntimeConfig.Setting s : RuntimeConfig.SETTINGS) {
            String d = s.defaultValue();
            if (d.matches("[-0-9.e]+|true|false")) {
                Object v = s.value().apply(c);
                assertEquals(Double.parseDouble(d.replace("true", "1").replace("false", "0")),
                        v instanceof Boolean b ? (b ? 1.0 : 0.0) : ((Number) v).doubleValue(), s.property());
            }
        }
    }

    @Test
    void parsesEveryKindOfValue() {
        RuntimeConfig c = RuntimeConfig.parse(Map.of("panface.threads", "3", "panface.cpu.reproducible", "FALSE",
                "panface.gemm.sharedPackFlops", "1e6", "panface.gemm.splitColumns", "true", "panface.cpu.l2Bytes", " 2097152 "));
        assertEquals(3, c.threads());
        assertFalse(c.reproducible());
        assertEquals(1e6, c.gemmSharedPackFlops());
        assertEquals(Boolean.TRUE, c.gemmSplitColumns());
        assertEquals(2L << 20, c.l2Bytes());
    }

    @Test
    void malformedValuesNameTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RuntimeConfig.parse(Map.of("panface.gemm.kc", "big")));
        assertTrue(e.getMessage().contains("panface.gemm.kc=big"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.parse(Map.of("panface.cpu.prefetch", "yes")));
        assertTrue(e.getMessage().contains("panface.cpu.prefetch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.parse(Map.of("panface.threads", "0")));
        assertTrue(e.getMessage().contains("panface.threads must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.parse(Map.of("panface.gemm.kc", "4")));
        assertTrue(e.getMessage().contains("at least 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.parse(Map.of("panface.gemm.parallelFlops", "NaN")));
        assertTrue(e.getMessage().contains("panface.gemm.parallelFlops"), e.getMessage());
    }

    @Test
    void describeListsEverySettingOnce() {
        var lines = RuntimeConfig.defaults().describe();
        assertEquals(RuntimeConfig.SETTINGS.size(), lines.size());
        Set<String> seen = new HashSet<>();
        for (RuntimeConfig.Setting s : RuntimeConfig.SETTINGS) {
            assertTrue(seen.add(s.property()), "listed twice: " + s.property());
        }
    }

    @Test
    void everySettingIsInTheReadmeTable() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        for (RuntimeConfig.Setting s : RuntimeConfig.SETTINGS) {
            assertTrue(text.contains("| `" + s.property() + "` |"), "README's settings table lacks " + s.property());
        }
    }
}
