package panface.nativebindings.nvrtc;

import static panface.nativebindings.nvrtc.gen.Nvrtc.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import panface.nativebindings.CStrings;
import panface.nativebindings.NativeCallException;
import panface.nativebindings.NativeLibraries;

/**
 * Compiles CUDA C++ source with NVRTC. A compilation error is a {@link NativeCallException}
 * whose message carries the compiler's log.
 */
public final class NvrtcCompiler {

    /** A compiled image: CUBIN (for one real architecture) or PTX (for a virtual one). */
    public record Image(byte[] bytes, boolean cubin, String log) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(NvrtcCompiler.class);
    private static volatile boolean builtinsLoaded;

    private NvrtcCompiler() {
    }

    /**
     * Loads libnvrtc (throws a NativeLibraryException listing the places tried) and, once, its
     * builtins library from the same folder. NVRTC opens {@code libnvrtc-builtins.so.M.m} by bare
     * name on every compile; where libnvrtc came from a folder the dynamic loader does not search
     * (a Python wheel without RUNPATH, an override), that open fails and every compile ends in
     * NVRTC_ERROR_BUILTIN_OPERATION_FAILURE. Once loaded by full path, the bare name resolves to
     * the loaded copy.
     */
    public static void load() {
        Path lib = NativeLibraries.load(NativeLibraries.NVRTC);
        if (!builtinsLoaded) {
            synchronized (NvrtcCompiler.class) {
                if (!builtinsLoaded) {
                    preloadBuiltins(lib);
                    builtinsLoaded = true;
                }
            }
        }
    }

    private static void preloadBuiltins(Path lib) {
        int[] v = rawVersion();
        Path builtins = builtinsBeside(lib, v[0], v[1]);
        if (builtins == null) {
            LOG.debug("no libnvrtc-builtins.so.{}.{} beside {}: leaving it to the dynamic loader", v[0], v[1], lib);
            return;
        }
        try {
            System.load(builtins.toAbsolutePath().toString());
            LOG.debug("preloaded {}", builtins);
        } catch (UnsatisfiedLinkError e) {
            LOG.warn("could not preload {}: {}", builtins, e.getMessage());
        }
    }

    /**
     * The builtins library NVRTC {@code major.minor} opens, looked for in the folder of
     * {@code nvrtcFile} and in that of the file it links to: {@code libnvrtc-builtins.so.M.m}, else
     * the first file whose name starts with it ({@code .so.M.m.patch}); null when there is none.
     */
    public static Path builtinsBeside(Path nvrtcFile, int major, int minor) {
        String name = "libnvrtc-builtins.so." + major + "." + minor;
        Set<Path> folders = new LinkedHashSet<>();
        if (nvrtcFile.toAbsolutePath().getParent() != null) {
            folders.add(nvrtcFile.toAbsolutePath().getParent());
        }
        try {
            Path real = nvrtcFile.toRealPath();
            if (real.getParent() != null) {
                folders.add(real.getParent());
            }
        } catch (IOException e) {
            LOG.debug("could not resolve {}: {}", nvrtcFile, e.toString());
        }
        for (Path folder : folders) {
            if (Files.isRegularFile(folder.resolve(name))) {
                return folder.resolve(name);
            }
            List<Path> longer = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, name + ".*")) {
                for (Path p : ds) {
                    longer.add(p);
                }
            } catch (IOException e) {
                continue;
            }
            if (!longer.isEmpty()) {
                longer.sort(null);
                return longer.get(0);
            }
        }
        return null;
    }

    private static int[] rawVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = a.allocate(ValueLayout.JAVA_INT);
            check(nvrtcVersion(major, minor), "nvrtcVersion", null);
            return new int[] {major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0)};
        }
    }

    /** NVRTC's version as {major, minor}. */
    public static int[] version() {
        load();
        return rawVersion();
    }

    /**
     * Compiles {@code source} (named {@code name} in messages) with the given headers (include
     * name to text) and options. With an option {@code --gpu-architecture=sm_XY} the result is a
     * CUBIN; with {@code compute_XY}, PTX.
     */
    public static Image compile(String name, String source, Map<String, String> headers, List<String> options) {
        load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ValueLayout.ADDRESS);
            int nh = headers.size();
            MemorySegment hdrs = a.allocate(ValueLayout.ADDRESS, Math.max(1, nh));
            MemorySegment names = a.allocate(ValueLayout.ADDRESS, Math.max(1, nh));
            int i = 0;
            for (Map.Entry<String, String> h : headers.entrySet()) {
                names.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(h.getKey()));
                hdrs.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(h.getValue()));
                i++;
            }
            check(nvrtcCreateProgram(prog, a.allocateFrom(source), a.allocateFrom(name), nh, nh == 0 ? MemorySegment.NULL : hdrs,
                    nh == 0 ? MemorySegment.NULL : names), "nvrtcCreateProgram", name);
            MemorySegment p = prog.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ValueLayout.ADDRESS, Math.max(1, options.size()));
                for (int k = 0; k < options.size(); k++) {
                    opts.setAtIndex(ValueLayout.ADDRESS, k, a.allocateFrom(options.get(k)));
                }
                int status = nvrtcCompileProgram(p, options.size(), opts);
                String log = log(a, p);
                if (status != 0) {
                    throw error(status, "nvrtcCompileProgram", name + " with " + options + ":\n" + log);
                }
                boolean cubin = options.stream().anyMatch(o -> o.matches("(--gpu-architecture=|-arch=)sm_\\d+a?"));
                MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
                if (cubin) {
                    check(nvrtcGetCUBINSize(p, size), "nvrtcGetCUBINSize", name);
                } else {
                    check(nvrtcGetPTXSize(p, size), "nvrtcGetPTXSize", name);
                }
                long n = size.get(ValueLayout.JAVA_LONG, 0);
                MemorySegment buf = a.allocate(Math.max(1, n));
                if (cubin) {
                    check(nvrtcGetCUBIN(p, buf), "nvrtcGetCUBIN", name);
                } else {
                    check(nvrtcGetPTX(p, buf), "nvrtcGetPTX", name);
                }
                byte[] bytes = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                return new Image(bytes, cubin, log);
            } finally {
                nvrtcDestroyProgram(prog);
            }
        }
    }

    private static String log(Arena a, MemorySegment p) {
        MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
        if (nvrtcGetProgramLogSize(p, size) != 0) {
            return "";
        }
        long n = size.get(ValueLayout.JAVA_LONG, 0);
        if (n <= 1) {
            return "";
        }
        MemorySegment buf = a.allocate(n);
        if (nvrtcGetProgramLog(p, buf) != 0) {
            return "";
        }
        return buf.getString(0);
    }

    private static void check(int status, String function, String detail) {
        if (status != 0) {
            throw error(status, function, detail);
        }
    }

    private static NativeCallException error(int status, String function, String detail) {
        String text;
        try {
            text = CStrings.read(nvrtcGetErrorString(status));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            text = null;
        }
        return new NativeCallException("NVRTC", function, status, text, null, detail);
    }
}
