package panface.nn.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code .idx} file of an indexed RecordIO file: one line {@code key<TAB>offset} per record,
 * in write order. Keys need not be sorted or contiguous (im2rec with several threads writes them
 * out of order); lookups by key use a binary search, over a sorted permutation when the keys are
 * not ascending. Immutable, so thread-safe.
 */
public final class RecordIndex {
    private final Path file;
    private final long[] keys;
    private final long[] offsets;
    /** Positions in key order, or null when the keys are already strictly ascending. */
    private final int[] byKey;

    private RecordIndex(Path file, long[] keys, long[] offsets) {
        this.file = file;
        this.keys = keys;
        this.offsets = offsets;
        boolean ascending = true;
        for (int i = 1; i < keys.length && ascending; i++) {
            ascending = keys[i] > keys[i - 1];
        }
        this.byKey = ascending ? null : sortedPositions(keys);
        if (byKey != null) {
            for (int i = 1; i < byKey.length; i++) {
                if (keys[byKey[i]] == keys[byKey[i - 1]]) {
                    throw new IllegalArgumentException("key " + keys[byKey[i]] + " appears twice");
                }
            }
        }
    }

    /** Reads an {@code .idx} file. Errors name the file, the line and its byte offset. */
    public static RecordIndex read(Path idx) throws IOException {
        long[] keys = new long[1024];
        long[] offsets = new long[1024];
        int n = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(idx), 1 << 16)) {
            long pos = 0;
            long lineStart = 0;
            int line = 1;
            long[] field = new long[2];
            int f = 0;
            boolean digits = false;
            boolean negative = false;
            long value = 0;
            int b;
            while (true) {
                b = in.read();
                if (b >= '0' && b <= '9') {
                    if (value > (Long.MAX_VALUE - 9) / 10) {
                        throw bad(idx, line, lineStart, "number too large");
                    }
                    value = value * 10 + (b - '0');
                    digits = true;
                } else if (b == '-' && !digits && !negative && f == 0) {
                    negative = true;
                } else if ((b == '\t' || b == ' ') && f == 0 && digits) {
                    field[f++] = negative ? -value : value;
                    value = 0;
                    digits = false;
                    negative = false;
                } else if (b == '\n' || b == '\r' || b == -1) {
                    if (f == 1 && digits) {
                        field[1] = value;
                        if (n == keys.length) {
                            keys = Arrays.copyOf(keys, n * 2);
                            offsets = Arrays.copyOf(offsets, n * 2);
                        }
                        keys[n] = field[0];
                        offsets[n] = field[1];
                        n++;
                    } else if (f != 0 || digits || negative) {
                        throw bad(idx, line, lineStart, "expected 'key<TAB>offset'");
                    }
                    if (b == -1) {
                        break;
                    }
                    if (b == '\n') {
                        line++;
                    }
                    f = 0;
                    value = 0;
                    digits = false;
                    negative = false;
                    lineStart = pos + 1;
                } else {
                    throw bad(idx, line, lineStart, "unexpected character " + describe(b) + ", expected 'key<TAB>offset'");
                }
                pos++;
            }
        }
        try {
            return new RecordIndex(idx, Arrays.copyOf(keys, n), Arrays.copyOf(offsets, n));
        } catch (IllegalArgumentException e) {
            throw new RecordIoException(idx, -1, 0, e.getMessage());
        }
    }

    /** An index built in memory (keys and offsets in write order). */
    public static RecordIndex of(Path file, long[] keys, long[] offsets) {
        if (keys.length != offsets.length) {
            throw new IllegalArgumentException(keys.length + " keys but " + offsets.length + " offsets");
        }
        return new RecordIndex(file, keys.clone(), offsets.clone());
    }

    private static RecordIoException bad(Path idx, int line, long offset, String problem) {
        return new RecordIoException(idx, -1, offset, "line " + line + ": " + problem);
    }

    private static String describe(int b) {
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("0x%02X", b);
    }

    private static int[] sortedPositions(long[] keys) {
        Integer[] boxed = new Integer[keys.length];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Long.compare(keys[a], keys[b]));
        int[] out = new int[boxed.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }

    /** The file the index was read from. */
    public Path file() {
        return file;
    }

    /** Number of records. */
    public int size() {
        return keys.length;
    }

    /** The key of the i-th line. */
    public long key(int i) {
        return keys[i];
    }

    /** The byte offset of the i-th line's record. */
    public long offset(int i) {
        return offsets[i];
    }

    /** The line holding {@code key}, or -1. */
    public int positionOf(long key) {
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = keys[byKey == null ? mid : byKey[mid]];
            if (k < key) {
                lo = mid + 1;
            } else if (k > key) {
                hi = mid - 1;
            } else {
                return byKey == null ? mid : byKey[mid];
            }
        }
        return -1;
    }

    /** Whether {@code key} is in the index. */
    public boolean contains(long key) {
        return positionOf(key) >= 0;
    }
}
