package panface.nativebindings.turbojpeg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import panface.nativebindings.NativeLibraryException;

/**
 * A JPEG decompressor of libjpeg-turbo's TurboJPEG API ({@code libturbojpeg}, SIMD-accelerated,
 * the decoder behind OpenCV's and PIL's JPEG reading), for the few calls a data loader needs:
 * read the header, decode to 8-bit interleaved RGB. TurboJPEG reports errors as return codes
 * (it catches libjpeg's errors itself), so a corrupt JPEG raises a Java exception and never
 * ends the process. An instance owns a handle and native buffers and is not thread-safe: one per thread (it may be closed from another thread once unused).
 */
public final class TurboJpeg implements AutoCloseable {
    /** The system property (or environment variable PANFACE_TURBOJPEG_LIBRARY) naming the library file to load. */
    public static final String LIBRARY_PROPERTY = "panface.turbojpeg.library";
    /** Sonames looked up through the dynamic loader (Debian/Ubuntu package libturbojpeg0). */
    private static final List<String> SONAMES = List.of("libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "turbojpeg");

    /** TJPF_RGB. */
    private static final int PIXEL_RGB = 0;
    /** TJCS_CMYK and TJCS_YCCK: colour spaces that TurboJPEG cannot convert to RGB. */
    private static final int CS_CMYK = 3;
    private static final int CS_YCCK = 4;
    /** TJERR_WARNING: the image was decoded but the data were damaged (for example cut short). */
    private static final int ERR_WARNING = 0;

    private static volatile Handles handles;

    private record Handles(MethodHandle init, MethodHandle header, MethodHandle decompress, MethodHandle destroy, MethodHandle errorStr,
            MethodHandle errorCode) {
    }

    /** A decoded header: size and TurboJPEG colour space. */
    public record Header(int width, int height, int colorspace) {
        /** Whether TurboJPEG can decode this JPEG to RGB (not CMYK/YCCK). */
        public boolean rgbDecodable() {
            return colorspace != CS_CMYK && colorspace != CS_YCCK;
        }
    }

    /** Raised for a JPEG TurboJPEG refuses or only partly decodes. */
    public static final class DecodeException extends Exception {
        private final boolean warning;

        DecodeException(String message, boolean warning) {
            super(message);
            this.warning = warning;
        }

        /** True when the image was decoded but the data were damaged (a warning, not an error). */
        public boolean warning() {
            return warning;
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment ints = arena.allocate(ValueLayout.JAVA_INT, 4);
    private MemorySegment in = MemorySegment.NULL;
    private MemorySegment out = MemorySegment.NULL;

    /** A decompressor; throws {@link NativeLibraryException} when libturbojpeg cannot be loaded. */
    public TurboJpeg() {
        Handles h = handles();
        try {
            handle = (MemorySegment) h.init.invokeExact();
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("tjInitDecompress failed", t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            arena.close();
            throw new IllegalStateException("tjInitDecompress returned no handle");
        }
    }

    /** Whether libturbojpeg can be loaded here. */
    public static boolean available() {
        try {
            handles();
            return true;
        } catch (NativeLibraryException e) {
            return false;
        }
    }

    private static Handles handles() {
        Handles h = handles;
        if (h == null) {
            synchronized (TurboJpeg.class) {
                h = handles;
                if (h == null) {
                    SymbolLookup lib = library();
                    Linker l = Linker.nativeLinker();
                    MethodHandle init = l.downcallHandle(find(lib, "tjInitDecompress"), FunctionDescriptor.of(ValueLayout.ADDRESS));
                    MethodHandle header = l.downcallHandle(find(lib, "tjDecompressHeader3"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                    MethodHandle decompress = l.downcallHandle(find(lib, "tjDecompress2"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                    MethodHandle destroy = l.downcallHandle(find(lib, "tjDestroy"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                    MethodHandle errorStr = l.downcallHandle(find(lib, "tjGetErrorStr2"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS));
                    MethodHandle errorCode = l.downcallHandle(find(lib, "tjGetErrorCode"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS));
                    h = new Handles(init, header, decompress, destroy, errorStr, errorCode);
                    handles = h;
                }
            }
        }
        return h;
    }

    /** The library named by the override, else the first soname the dynamic loader finds; the error lists every attempt. */
    private static SymbolLookup library() {
        List<String> tried = new ArrayList<>();
        String explicit = System.getProperty(LIBRARY_PROPERTY, System.getenv("PANFACE_TURBOJPEG_LIBRARY"));
        if (explicit != null && !explicit.isBlank()) {
            try {
                return SymbolLookup.libraryLookup(Path.of(explicit), Arena.global());
            } catch (IllegalArgumentException e) {
                throw new NativeLibraryException("libturbojpeg could not be loaded from " + explicit + " (" + LIBRARY_PROPERTY + "): "
                        + e.getMessage());
            }
        }
        for (String soname : SONAMES) {
            try {
                return SymbolLookup.libraryLookup(soname, Arena.global());
            } catch (IllegalArgumentException e) {
                tried.add(soname + ": " + e.getMessage());
            }
        }
        throw new NativeLibraryException("libturbojpeg could not be loaded (install libjpeg-turbo's TurboJPEG library, e.g. the "
                + "libturbojpeg0 package, or set " + LIBRARY_PROPERTY + "); tried:\n  " + String.join("\n  ", tried));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new NativeLibraryException("libturbojpeg has no symbol " + name
                + " (TurboJPEG 1.4 or newer is needed)"));
    }

    private void input(byte[] jpeg) {
        if (in.byteSize() < jpeg.length) {
            in = arena.allocate(Math.max(jpeg.length, 2 * in.byteSize()));
        }
        MemorySegment.copy(jpeg, 0, in, ValueLayout.JAVA_BYTE, 0, jpeg.length);
    }

    /** Reads the header of {@code jpeg}. */
    public Header header(byte[] jpeg) throws DecodeException {
        input(jpeg);
        int rc;
        try {
            rc = (int) handles.header.invokeExact(handle, in, (long) jpeg.length, ints, ints.asSlice(4), ints.asSlice(8), ints.asSlice(12));
        } catch (Throwable t) {
            throw new IllegalStateException("tjDecompressHeader3 failed", t);
        }
        if (rc != 0) {
            throw error("cannot read the JPEG header");
        }
        return new Header(ints.getAtIndex(ValueLayout.JAVA_INT, 0), ints.getAtIndex(ValueLayout.JAVA_INT, 1),
                ints.getAtIndex(ValueLayout.JAVA_INT, 3));
    }

    /**
     * Decodes {@code jpeg} (whose header was just read with {@link #header}) to RGB bytes,
     * {@code out[(y * width + x) * 3 + c]}. A damaged JPEG that decodes with a warning raises a
     * {@link DecodeException} with {@code warning() == true} unless {@code acceptWarnings}.
     */
    public byte[] decodeRgb(byte[] jpeg, Header h, boolean acceptWarnings) throws DecodeException {
        long bytes = 3L * h.width() * h.height();
        if (out.byteSize() < bytes) {
            out = arena.allocate(Math.max(bytes, 2 * out.byteSize()));
        }
        int rc;
        try {
            rc = (int) handles.decompress.invokeExact(handle, in, (long) jpeg.length, out, h.width(), 0, h.height(), PIXEL_RGB, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("tjDecompress2 failed", t);
        }
        if (rc != 0) {
            DecodeException e = error("cannot decode the JPEG");
            if (!e.warning() || !acceptWarnings) {
                throw e;
            }
        }
        return out.asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE);
    }

    private DecodeException error(String what) {
        try {
            MemorySegment msg = (MemorySegment) handles.errorStr.invokeExact(handle);
            int code = (int) handles.errorCode.invokeExact(handle);
            String text = msg.equals(MemorySegment.NULL) ? "unknown error" : msg.reinterpret(4096).getString(0);
            return new DecodeException(what + ": " + text, code == ERR_WARNING);
        } catch (Throwable t) {
            return new DecodeException(what + " (no error text: " + t + ")", false);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) handles.destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw new IllegalStateException("tjDestroy failed", t);
        } finally {
            arena.close();
        }
    }
}
