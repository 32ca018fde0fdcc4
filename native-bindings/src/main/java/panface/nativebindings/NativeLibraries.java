package panface.nativebindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds and loads the NVIDIA libraries (driver, NVRTC, cuBLAS, cuBLASLt, NCCL) so that the
 * generated bindings, which resolve symbols through the class loader, can call them. Places tried,
 * in order:
 * <ol>
 *   <li>an override: the system property {@code panface.<name>.library} or the environment
 *       variable {@code PANFACE_<NAME>_LIBRARY}, naming the library file or a folder holding it;</li>
 *   <li>the dynamic loader's default search path ({@code LD_LIBRARY_PATH}, the loader cache), by
 *       each versioned soname;</li>
 *   <li>{@code $CUDA_HOME/lib64} (and {@code $CUDA_PATH/lib64});</li>
 *   <li>the standard CUDA install folder {@code /usr/local/cuda/lib64} (and its targets folder),
 *       plus the driver's usual folders for {@code libcuda};</li>
 *   <li>the {@code lib} folders of the {@code nvidia-*} Python wheels in every site-packages folder
 *       found (virtual environment, user and system folders, and those python3 reports).</li>
 * </ol>
 * A library that cannot be loaded raises a {@link NativeLibraryException} listing every place
 * looked at and why each failed. Results (successes and failures) are remembered per name.
 */
public final class NativeLibraries {

    /** One library: its short name (for the override keys) and sonames, most recent first. */
    public record Spec(String name, String description, List<String> sonames, boolean driver) {
        public Spec {
            sonames = List.copyOf(sonames);
        }
    }

    /** The CUDA driver API. */
    public static final Spec CUDA = new Spec("cuda", "the CUDA driver (libcuda)", List.of("libcuda.so.1", "libcuda.so"), true);
    /** The CUDA runtime compiler. */
    public static final Spec NVRTC = new Spec("nvrtc", "NVRTC (libnvrtc)",
            List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"), false);
    /** cuBLASLt (load before cuBLAS, which depends on it). */
    public static final Spec CUBLASLT = new Spec("cublaslt", "cuBLASLt (libcublasLt)",
            List.of("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"), false);
    /** cuBLAS. */
    public static final Spec CUBLAS = new Spec("cublas", "cuBLAS (libcublas)",
            List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"), false);
    /** NCCL. */
    public static final Spec NCCL = new Spec("nccl", "NCCL (libnccl)", List.of("libnccl.so.2", "libnccl.so"), false);

    private static final java.util.concurrent.ConcurrentHashMap<String, Object> RESULTS = new java.util.concurrent.ConcurrentHashMap<>();

    private NativeLibraries() {
    }

    /**
     * Loads a library once (later calls return the remembered path or rethrow the remembered
     * failure) and returns the file that was loaded.
     */
    public static Path load(Spec spec) {
        Object r = RESULTS.computeIfAbsent(spec.name(), k -> {
            try {
                return find(spec);
            } catch (NativeLibraryException e) {
                return e;
            }
        });
        if (r instanceof NativeLibraryException e) {
            throw new NativeLibraryException(e.getMessage(), e);
        }
        return (Path) r;
    }

    /** True when the library can be loaded (loads it). */
    public static boolean isLoadable(Spec spec) {
        try {
            load(spec);
            return true;
        } catch (NativeLibraryException e) {
            return false;
        }
    }

    private static Path find(Spec spec) {
        List<String> tried = new ArrayList<>();
        String prop = "panface." + spec.name() + ".library";
        String env = "PANFACE_" + spec.name().toUpperCase(Locale.ROOT) + "_LIBRARY";
        String override = System.getProperty(prop);
        String source = "-D" + prop;
        if (override == null || override.isBlank()) {
            override = System.getenv(env);
            source = env;
        }
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (Files.isDirectory(p)) {
                Path hit = tryFolder(spec, p, source, tried);
                if (hit != null) {
                    return hit;
                }
            } else {
                Path hit = tryFile(p, source, tried);
                if (hit != null) {
                    return hit;
                }
            }
            throw failure(spec, tried, prop, env);
        }
        for (String soname : spec.sonames()) {
            Path hit = tryLoaderPath(soname, tried);
            if (hit != null) {
                return hit;
            }
        }
        for (Folder folder : folders(spec)) {
            Path hit = tryFolder(spec, folder.path(), folder.why(), tried);
            if (hit != null) {
                return hit;
            }
        }
        throw failure(spec, tried, prop, env);
    }

    private record Folder(Path path, String why) {
    }

    private static List<Folder> folders(Spec spec) {
        List<Folder> out = new ArrayList<>();
        for (String var : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                out.add(new Folder(Path.of(v, "lib64"), "$" + var + "/lib64"));
                out.add(new Folder(Path.of(v, "lib"), "$" + var + "/lib"));
            }
        }
        out.add(new Folder(Path.of("/usr/local/cuda/lib64"), "standard CUDA install"));
        out.add(new Folder(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"), "standard CUDA install"));
        if (spec.driver()) {
            for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"}) {
                out.add(new Folder(Path.of(d), "driver folder"));
            }
        } else {
            for (Path site : sitePackages()) {
                Path nvidia = site.resolve("nvidia");
                if (!Files.isDirectory(nvidia)) {
                    out.add(new Folder(nvidia, "nvidia-* wheels in " + site));
                    continue;
                }
                for (Path pkg : list(nvidia)) {
                    for (String lib : new String[] {"lib", "lib64"}) {
                        if (Files.isDirectory(pkg.resolve(lib))) {
                            out.add(new Folder(pkg.resolve(lib), "nvidia-* wheel"));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** site-packages folders: the virtual environment, user and system folders, and python3's own list. */
    static List<Path> sitePackages() {
        Set<Path> out = new LinkedHashSet<>();
        String pythonPath = System.getenv("PYTHONPATH");
        if (pythonPath != null) {
            for (String p : pythonPath.split(java.io.File.pathSeparator)) {
                if (!p.isBlank()) {
                    out.add(Path.of(p));
                }
            }
        }
        List<Path> roots = new ArrayList<>();
        String venv = System.getenv("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            roots.add(Path.of(venv, "lib"));
        }
        String conda = System.getenv("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            roots.add(Path.of(conda, "lib"));
        }
        roots.add(Path.of(System.getProperty("user.home"), ".local", "lib"));
        roots.add(Path.of("/usr/local/lib"));
        roots.add(Path.of("/usr/lib"));
        for (Path root : roots) {
            for (Path py : list(root)) {
                if (py.getFileName().toString().startsWith("python3")) {
                    for (String s : new String[] {"site-packages", "dist-packages"}) {
                        if (Files.isDirectory(py.resolve(s))) {
                            out.add(py.resolve(s));
                        }
                    }
                }
            }
        }
        out.addAll(pythonReported());
        return new ArrayList<>(out);
    }

    private static List<Path> pythonReported() {
        List<Path> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("python3", "-c",
                    "import site,sys\nfor d in site.getsitepackages()+[site.getusersitepackages()]+sys.path: print(d)")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] bytes;
            try (InputStream in = p.getInputStream()) {
                bytes = in.readNBytes(1 << 16);
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return out;
            }
            if (p.exitValue() != 0) {
                return out;
            }
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                String l = line.strip();
                if (l.endsWith("site-packages") || l.endsWith("dist-packages")) {
                    out.add(Path.of(l));
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        return out;
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    private static Path tryFolder(Spec spec, Path folder, String why, List<String> tried) {
        if (!Files.isDirectory(folder)) {
            tried.add(folder + " (" + why + "): no such folder");
            return null;
        }
        for (String soname : spec.sonames()) {
            Path f = folder.resolve(soname);
            if (Files.exists(f)) {
                return tryFile(f, why, tried);
            }
        }
        tried.add(folder + " (" + why + "): none of " + spec.sonames());
        return null;
    }

    private static Path tryFile(Path file, String why, List<String> tried) {
        try {
            Path abs = file.toAbsolutePath();
            System.load(abs.toString());
            return abs;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            tried.add(file + " (" + why + "): " + e.getMessage());
            return null;
        }
    }

    /** dlopen by soname (the loader's own search), then load the resolved file for the bindings. */
    private static Path tryLoaderPath(String soname, List<String> tried) {
        try {
            SymbolLookup.libraryLookup(soname, Arena.global());
        } catch (IllegalArgumentException e) {
            tried.add(soname + " (dynamic loader search path): not found");
            return null;
        }
        Path resolved = mappedFile(soname);
        if (resolved == null) {
            tried.add(soname + " (dynamic loader search path): loaded, but its file was not found in /proc/self/maps");
            return null;
        }
        return tryFile(resolved, "dynamic loader search path", tried);
    }

    /** The file a loaded library was mapped from (Linux), matched by the soname's stem. */
    private static Path mappedFile(String soname) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return null;
        }
        String stem = soname.contains(".so") ? soname.substring(0, soname.indexOf(".so") + 3) : soname;
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                Path p = Path.of(line.substring(slash).strip());
                String fn = p.getFileName().toString();
                if (fn.equals(soname) || fn.startsWith(stem + ".") || fn.equals(stem)) {
                    return p;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static NativeLibraryException failure(Spec spec, List<String> tried, String prop, String env) {
        return new NativeLibraryException(spec.description() + " could not be loaded. Set -D" + prop + " or " + env
                + " to the library file or its folder. Looked in:\n  " + String.join("\n  ", tried));
    }
}
