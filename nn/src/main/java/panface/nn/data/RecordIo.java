package panface.nn.data;

/**
 * Constants of dmlc-core's RecordIO container, the framing of MXNet's {@code .rec} files: each
 * physical record is a 4-byte magic word, a 4-byte {@code lrec} word holding a 3-bit continuation
 * flag and a 29-bit length, then the data padded with zeros to a multiple of 4 bytes. A payload
 * containing the magic word at a 4-aligned position is stored as several parts (flag 1 = first,
 * 2 = middle, 3 = last) with the magic words themselves left out; the reader puts them back.
 * All integers are little-endian.
 */
public final class RecordIo {
    /** The magic word that starts every physical record (bytes on disk 0A 23 D7 CE). */
    public static final int MAGIC = 0xCED7230A;
    /** The magic of the obsolete pre-2015 dmlc format (30-bit lengths), which no face dataset uses. */
    static final int OLD_MAGIC = 0x3ED7230A;
    /** The largest length one physical record can declare (29 bits). */
    public static final int MAX_LENGTH = (1 << 29) - 1;
    /** Continuation flags. */
    static final int WHOLE = 0;
    static final int FIRST = 1;
    static final int MIDDLE = 2;
    static final int LAST = 3;

    private RecordIo() {
    }

    static int lrec(int cflag, int length) {
        return cflag << 29 | length;
    }

    static int cflag(int lrec) {
        return lrec >>> 29;
    }

    static int length(int lrec) {
        return lrec & MAX_LENGTH;
    }

    /** The length rounded up to a multiple of 4 (the padding dmlc-core writes after the data). */
    static long padded(long length) {
        return (length + 3) & ~3L;
    }
}
