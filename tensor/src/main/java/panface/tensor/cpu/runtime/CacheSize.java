package panface.tensor.cpu.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import panface.tensor.RuntimeConfig;

/**
 * The size of a core's second-level cache, which decides how a large product is split between
 * threads ({@code Gemm}): read from Linux's sysfs (the data or unified level-2 cache of cpu0),
 * overridden by {@code -Dpanface.cpu.l2Bytes}, and 1 MiB where neither says.
 */
public final class CacheSize {
    static final long FALLBACK_L2 = 1L << 20;
    private static final long L2 = RuntimeConfig.startup().l2Bytes() > 0 ? RuntimeConfig.startup().l2Bytes()
            : read(Path.of("/sys/devices/system/cpu/cpu0/cache"));

    private CacheSize() {
    }

    /** Bytes of one core's second-level cache. */
    public static long l2Bytes() {
        return L2;
    }

    /** The level-2 size listed under dir (index0, index1, ...), or {@link #FALLBACK_L2}. */
    static long read(Path dir) {
        for (int i = 0; i < 16; i++) {
            Path index = dir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index)) {
                    break;
                }
                String type = Files.readString(index.resolve("type")).trim();
                if (Files.readString(index.resolve("level")).trim().equals("2") && !type.equals("Instruction")) {
                    long bytes = parseSize(Files.readString(index.resolve("size")).trim());
                    if (bytes > 0) {
                        return bytes;
                    }
                }
            } catch (IOException | RuntimeException e) {
                break;
            }
        }
        return FALLBACK_L2;
    }

    /** "2048K", "1M", "524288" as bytes; -1 when it is none of these. */
    static long parseSize(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long unit = switch (Character.toUpperCase(s.charAt(s.length() - 1))) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            long v = Long.parseLong(digits);
            return v > 0 ? v * unit : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
