package panface.nativebindings.nvrtc;

import static panface.nativebindings.nvrtc.gen.Nvrtc.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

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

    private NvrtcCompiler() {
    }

    /** Loads libnvrtc (throws a NativeLibraryException listing the places tried). */
    public static void load() {
        NativeLibraries.load(NativeLibraries.NVRTC);
    }

    /** NVRTC's version as {major, minor}. */
    public static int[] version() {
        load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = a.allocate(ValueLayout.JAVA_INT);
            check(nvrtcVersion(major, minor), "nvrtcVersion", null);
            return new int[] {major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0)};
        }
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
