package panface.nativebindings.openblas;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import panface.nativebindings.NativeLibraryException;

/**
 * Finds libopenblas: an explicit path ({@code -Dpanface.openblas.library} or
 * {@code PANFACE_OPENBLAS_LIBRARY}), else the copy shipped in the {@code org.bytedeco:openblas}
 * jar on the class path, extracted once (with its Fortran runtime) into a per-user cache folder
 * keyed by the jar's version and loaded by path. No system package is needed.
 */
final class OpenBlasLoader {
    private static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    /** Load order: the runtime first, so libopenblas finds its dependencies by soname. */
    private static final String[] RUNTIME = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5"};
    private static final String LIBRARY = "libopenblas.so.0";

    private OpenBlasLoader() {
    }

    /** Loads the library and returns its symbols, or throws listing every attempt. */
    static SymbolLookup load() {
        List<String> tried = new ArrayList<>();
        String explicit = System.getProperty("panface.openblas.library", System.getenv("PANFACE_OPENBLAS_LIBRARY"));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            try {
                return SymbolLookup.libraryLookup(p, Arena.global());
            } catch (IllegalArgumentException e) {
                tried.add(p + " (from panface.openblas.library / PANFACE_OPENBLAS_LIBRARY): " + e.getMessage());
                throw failure(tried);
            }
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            tried.add("the bundled OpenBLAS (org.bytedeco:openblas linux-x86_64) does not run on " + os + "/" + arch
                    + "; set -Dpanface.openblas.library=/path/to/libopenblas");
            throw failure(tried);
        }
        ClassLoader cl = OpenBlasLoader.class.getClassLoader();
        URL lib = cl.getResource(RESOURCE_DIR + LIBRARY);
        if (lib == null) {
            tried.add("class path resource " + RESOURCE_DIR + LIBRARY + ": not found (is org.bytedeco:openblas:linux-x86_64 on the class path?)");
            throw failure(tried);
        }
        Path dir;
        try {
            dir = extract(cl);
        } catch (IOException e) {
            tried.add("extracting the bundled OpenBLAS into " + cacheRoot() + ": " + e);
            throw failure(tried);
        }
        try {
            for (String r : RUNTIME) {
                SymbolLookup.libraryLookup(dir.resolve(r), Arena.global());
            }
            return SymbolLookup.libraryLookup(dir.resolve(LIBRARY), Arena.global());
        } catch (IllegalArgumentException e) {
            tried.add(dir.resolve(LIBRARY) + ": " + e.getMessage());
            throw failure(tried);
        }
    }

    private static NativeLibraryException failure(List<String> tried) {
        return new NativeLibraryException("OpenBLAS could not be loaded; tried:\n  " + String.join("\n  ", tried));
    }

    static Path cacheRoot() {
        return panface.nativebindings.CacheDir.root();
    }

    /** Extracts the libraries once per jar version; concurrent JVMs each write a temp file and rename it. */
    private static Path extract(ClassLoader cl) throws IOException {
        String version = "unknown";
        try (InputStream in = cl.getResourceAsStream("META-INF/maven/org.bytedeco/openblas/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                version = p.getProperty("version", version);
            }
        }
        Path dir = cacheRoot().resolve("openblas-" + version.replaceAll("[^A-Za-z0-9._-]", "_"));
        Files.createDirectories(dir);
        for (String name : new String[] {RUNTIME[0], RUNTIME[1], RUNTIME[2], LIBRARY}) {
            Path target = dir.resolve(name);
            URL url = cl.getResource(RESOURCE_DIR + name);
            if (url == null) {
                throw new IOException("class path resource " + RESOURCE_DIR + name + " is missing");
            }
            long size = url.openConnection().getContentLengthLong();
            if (Files.exists(target) && (size < 0 || Files.size(target) == size)) {
                continue;
            }
            Path tmp = Files.createTempFile(dir, name, ".part");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return dir;
    }
}
