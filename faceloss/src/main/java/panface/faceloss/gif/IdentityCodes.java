package panface.faceloss.gif;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The codes of m identities: l tokens each, every token in [0, k). Identity y's code is its path
 * in the code tree.
 *
 * <p>File format (all little-endian): 4 bytes magic {@code GIFC}, int32 version (1), int32 k,
 * int32 l, int64 m, then m * l int32 tokens, identity by identity. Reading checks the magic,
 * version, 2 &lt;= k, 1 &lt;= l &lt;= 64, 1 &lt;= m, that m * l fits one array, that the file
 * length is exactly 24 + 4 m l bytes, and that every token lies in [0, k), so a truncated,
 * padded or corrupted file is refused before any allocation larger than the file itself.
 */
public final class IdentityCodes {
    private static final int MAGIC = 0x43464947; // "GIFC" read little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 24;
    private static final int MAX_TOKENS = 64;

    private final int k;
    private final int l;
    private final int[] tokens;

    /** Codes from a flat (m * l) token array, identity by identity; the array is not copied. */
    public IdentityCodes(int k, int l, int[] tokens) {
        if (k < 2 || l < 1 || l > MAX_TOKENS || tokens.length == 0 || tokens.length % l != 0) {
            throw new IllegalArgumentException("codes need k >= 2, 1 <= l <= " + MAX_TOKENS + " and m * l tokens, got k=" + k + " l=" + l
                    + " and " + tokens.length + " tokens");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= k) {
                throw new IllegalArgumentException("token " + tokens[i] + " of identity " + i / l + " is outside [0, " + k + ")");
            }
        }
        this.k = k;
        this.l = l;
        this.tokens = tokens;
    }

    /** Branching factor: tokens lie in [0, k). */
    public int k() {
        return k;
    }

    /** Code length (tree depth). */
    public int l() {
        return l;
    }

    /** Number of identities m. */
    public int size() {
        return tokens.length / l;
    }

    /** Token j of identity y. */
    public int token(int y, int j) {
        return tokens[y * l + j];
    }

    /** The code of identity y (a copy). */
    public int[] code(int y) {
        return Arrays.copyOfRange(tokens, y * l, (y + 1) * l);
    }

    /** The flat (m * l) token array, identity by identity (not a copy). */
    public int[] tokens() {
        return tokens;
    }

    /**
     * Collisions: identities whose code equals the code of an identity with a lower index (so m
     * minus the number of distinct codes).
     */
    public int collisions() {
        return size() - byCode().size();
    }

    /** The lowest identity with each code. */
    public Map<CodeKey, Integer> byCode() {
        Map<CodeKey, Integer> map = new HashMap<>();
        for (int y = 0; y < size(); y++) {
            map.putIfAbsent(new CodeKey(code(y)), y);
        }
        return map;
    }

    /** A code as a map key. */
    public record CodeKey(int[] code) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CodeKey c && Arrays.equals(code, c.code);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(code);
        }

        @Override
        public String toString() {
            return Arrays.toString(code);
        }
    }

    /** Writes the codes in the format of the class comment. */
    public void write(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(VERSION).putInt(k).putInt(l).putLong(size()).flip();
            writeFully(ch, h);
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int t : tokens) {
                if (!b.hasRemaining()) {
                    b.flip();
                    writeFully(ch, b);
                    b.clear();
                }
                b.putInt(t);
            }
            b.flip();
            writeFully(ch, b);
        }
    }

    /** Reads codes written by {@link #write}, refusing anything malformed (see the class comment). */
    public static IdentityCodes read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            if (length < HEADER) {
                throw new IOException("not a GIF code file: " + length + " bytes is shorter than the header");
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, h);
            h.flip();
            if (h.getInt() != MAGIC) {
                throw new IOException("not a GIF code file (bad magic)");
            }
            int version = h.getInt();
            if (version != VERSION) {
                throw new IOException("unsupported GIF code file version " + version);
            }
            int k = h.getInt();
            int l = h.getInt();
            long m = h.getLong();
            if (k < 2 || l < 1 || l > MAX_TOKENS || m < 1) {
                throw new IOException("bad GIF code header: k=" + k + " l=" + l + " m=" + m);
            }
            if (m > (Integer.MAX_VALUE - 8) / l) {
                throw new IOException("GIF code file too large: " + m + " identities of " + l + " tokens");
            }
            long want = HEADER + 4L * m * l;
            if (length != want) {
                throw new IOException("GIF code file is " + length + " bytes, the header says " + want);
            }
            int[] tokens = new int[(int) (m * l)];
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            int i = 0;
            while (i < tokens.length) {
                b.clear();
                b.limit((int) Math.min(b.capacity(), 4L * (tokens.length - i)));
                readFully(ch, b);
                b.flip();
                while (b.hasRemaining()) {
                    int t = b.getInt();
                    if (t < 0 || t >= k) {
                        throw new IOException("token " + t + " of identity " + i / l + " is outside [0, " + k + ")");
                    }
                    tokens[i++] = t;
                }
            }
            return new IdentityCodes(k, l, tokens);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("GIF code file ended early");
            }
        }
    }
}
