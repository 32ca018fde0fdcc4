package panface.tensor.cpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The level-2 cache size as Linux's sysfs lists it, with the fallback where it does not. */
class CacheSizeTest {
    @Test
    void readsTheCacheSizeAsLinuxListsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        assertEquals(2L << 20, CacheSize.parseSize("2048K"));
        assertEquals(1L << 20, CacheSize.parseSize("1M"));
        assertEquals(524288, CacheSize.parseSize("524288"));
        assertEquals(-1, CacheSize.parseSize("lots"));
        assertEquals(-1, CacheSize.parseSize(""));
        String[][] levels = {{"1", "Data", "48K"}, {"1", "Instruction", "32K"}, {"2", "Unified", "1280K"}, {"3", "Unified", "480M"}};
        for (int i = 0; i < levels.length; i++) {
            java.nio.file.Path index = java.nio.file.Files.createDirectories(dir.resolve("index" + i));
            java.nio.file.Files.writeString(index.resolve("level"), levels[i][0] + "\n");
            java.nio.file.Files.writeString(index.resolve("type"), levels[i][1] + "\n");
            java.nio.file.Files.writeString(index.resolve("size"), levels[i][2] + "\n");
        }
        assertEquals(1280L << 10, CacheSize.read(dir));
        assertEquals(CacheSize.FALLBACK_L2, CacheSize.read(dir.resolve("missing")));
    }
}
