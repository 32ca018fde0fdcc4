package panface.nn.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Random access to the records of an indexed RecordIO file ({@code .rec} plus its {@code .idx}),
 * as MXNet's {@code MXIndexedRecordIO} reads them: a record's parts are joined with the magic
 * word put back between them. The file is opened read-only and read with positional reads, so
 * any number of threads may call {@link #read} at once. Damage (a wrong magic word, a length
 * past the end of the file, parts out of order) raises a {@link RecordIoException} naming the
 * file, the key and the byte offset.
 */
public final class RecordIoReader implements AutoCloseable {
    private static final byte[] MAGIC_BYTES = {0x0A, 0x23, (byte) 0xD7, (byte) 0xCE};

    private final Path rec;
    private final RecordIndex index;
    private final FileChannel channel;
    private final long size;

    private RecordIoReader(Path rec, RecordIndex index) throws IOException {
        this.rec = rec;
        this.index = index;
        this.channel = FileChannel.open(rec, StandardOpenOption.READ);
        this.size = channel.size();
    }

    /** Opens {@code rec} with the index beside it (same name, {@code .idx}). */
    public static RecordIoReader open(Path rec) throws IOException {
        return open(rec, idxOf(rec));
    }

    /** Opens {@code rec} with the index {@code idx}. */
    public static RecordIoReader open(Path rec, Path idx) throws IOException {
        return new RecordIoReader(rec, RecordIndex.read(idx));
    }

    /** The {@code .idx} path beside a {@code .rec} path. */
    public static Path idxOf(Path rec) {
        String name = rec.getFileName().toString();
        String base = name.endsWith(".rec") ? name.substring(0, name.length() - 4) : name;
        return rec.resolveSibling(base + ".idx");
    }

    public Path file() {
        return rec;
    }

    public RecordIndex index() {
        return index;
    }

    /** Whether a record with this key exists. */
    public boolean contains(long key) {
        return index.contains(key);
    }

    /** The payload of the record with this key. */
    public byte[] read(long key) throws IOException {
        int pos = index.positionOf(key);
        if (pos < 0) {
            throw new RecordIoException(rec, key, -1, "no such key in " + index.file());
        }
        return readAt(key, index.offset(pos));
    }

    /** The payload of the record starting at byte {@code offset}; {@code key} is only for messages. */
    public byte[] readAt(long key, long offset) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = null;
        int filled = 0;
        long at = offset;
        for (int part = 0;; part++) {
            if (at < 0 || at + 8 > size) {
                throw new RecordIoException(rec, key, at, at < 0 ? "negative offset"
                        : "the record header runs past the end of the file (" + size + " bytes): truncated file or wrong offset");
            }
            head.clear();
            readFully(head, at, key);
            int magic = head.getInt(0);
            if (magic != RecordIo.MAGIC) {
                throw new RecordIoException(rec, key, at, magic == RecordIo.OLD_MAGIC
                        ? "magic word 0x3ED7230A of the obsolete pre-2015 RecordIO format, which is not supported"
                        : String.format("expected the RecordIO magic word 0xCED7230A, found 0x%08X: corrupt file or wrong offset", magic));
            }
            int lrec = head.getInt(4);
            int cflag = RecordIo.cflag(lrec);
            int len = RecordIo.length(lrec);
            if (cflag > RecordIo.LAST) {
                throw new RecordIoException(rec, key, at, "invalid continuation flag " + cflag);
            }
            if (part == 0 && (cflag == RecordIo.MIDDLE || cflag == RecordIo.LAST)) {
                throw new RecordIoException(rec, key, at, "the record starts with a " + (cflag == RecordIo.MIDDLE ? "middle" : "last")
                        + " part of a split record: wrong offset in the index");
            }
            if (part > 0 && (cflag == RecordIo.WHOLE || cflag == RecordIo.FIRST)) {
                throw new RecordIoException(rec, key, at, "part " + (part + 1) + " of a split record has flag " + cflag
                        + " (expected 2 or 3): corrupt file");
            }
            if (at + 8 + len > size) {
                throw new RecordIoException(rec, key, at, "the record declares " + len + " bytes but the file ends after "
                        + (size - at - 8) + ": truncated file");
            }
            int extra = part > 0 ? 4 : 0;
            long need = (long) filled + extra + len;
            if (need > Integer.MAX_VALUE - 8) {
                throw new RecordIoException(rec, key, at, "the joined record would exceed 2 GiB");
            }
            if (out == null) {
                out = new byte[len];
            } else {
                byte[] grown = new byte[(int) need];
                System.arraycopy(out, 0, grown, 0, filled);
                out = grown;
                System.arraycopy(MAGIC_BYTES, 0, out, filled, 4);
                filled += 4;
            }
            readFully(ByteBuffer.wrap(out, filled, len), at + 8, key);
            filled += len;
            if (cflag == RecordIo.WHOLE || cflag == RecordIo.LAST) {
                return out;
            }
            at += 8 + RecordIo.padded(len);
        }
    }

    private void readFully(ByteBuffer buf, long at, long key) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new RecordIoException(rec, key, pos, "unexpected end of file: truncated file");
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
