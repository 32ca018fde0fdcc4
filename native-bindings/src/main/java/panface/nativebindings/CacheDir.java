package panface.nativebindings;

import java.nio.file.Path;

/**
 * The per-user cache folder (extracted native libraries, compiled kernels):
 * {@code -Dpanface.cache.dir} or {@code PANFACE_CACHE_DIR}, else {@code $XDG_CACHE_HOME/panface}
 * or {@code ~/.cache/panface}.
 */
public final class CacheDir {
    private CacheDir() {
    }

    public static Path root() {
        String configured = System.getProperty("panface.cache.dir", System.getenv("PANFACE_CACHE_DIR"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("panface");
    }
}
