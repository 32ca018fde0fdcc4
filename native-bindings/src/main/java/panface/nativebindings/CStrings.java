package panface.nativebindings;

import java.lang.foreign.MemorySegment;

/** Reading C strings returned by native libraries. */
public final class CStrings {
    private CStrings() {
    }

    /** The NUL-terminated string at a returned pointer, or null for a NULL pointer. */
    public static String read(MemorySegment p) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return null;
        }
        return p.reinterpret(1 << 16).getString(0);
    }
}
