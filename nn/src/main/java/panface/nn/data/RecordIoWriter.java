package panface.nn.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an indexed RecordIO file ({@code .rec} + {@code .idx}) byte for byte as dmlc-core's
 * {@code RecordIOWriter} and MXNet's {@code MXIndexedRecordIO.write_idx} do: a payload that holds
 * the magic word at a 4-aligned offset is split there into parts (flags 1, 2, 3) with the magic
 * words left out, each part padded with zeros to a multiple of 4; the index line
 * {@code key<TAB>offset} points at the first part. Not thread-safe.
 */
public final class RecordIoWriter implements AutoCloseable {
    private final Path rec;
    private final OutputStream out;
    private final Writer idx;
    private long position;
    private long splitRecords;

    private RecordIoWriter(Path rec, Path idx) throws IOException {
        this.rec = rec;
        this.out = new BufferedOutputStream(Files.newOutputStream(rec), 1 << 16);
        this.idx = Files.newBufferedWriter(idx, StandardCharsets.US_ASCII);
    }

    /** Creates (or replaces) {@code rec} and the {@code .idx} beside it. */
    public static RecordIoWriter create(Path rec) throws IOException {
        return new RecordIoWriter(rec, RecordIoReader.idxOf(rec));
    }

    /** Appends a record under {@code key}. */
    public void write(long key, byte[] payload) throws IOException {
        if (payload.length > RecordIo.MAX_LENGTH) {
            throw new IllegalArgumentException(rec + ": record " + key + " has " + payload.length + " bytes, more than RecordIO's "
                    + RecordIo.MAX_LENGTH);
        }
        idx.write(key + "\t" + position + "\n");
        int start = 0;
        boolean split = false;
        for (int i = 0; i + 4 <= payload.length; i += 4) {
            if (payload[i] == 0x0A && payload[i + 1] == 0x23 && payload[i + 2] == (byte) 0xD7 && payload[i + 3] == (byte) 0xCE) {
                part(split ? RecordIo.MIDDLE : RecordIo.FIRST, payload, start, i - start);
                split = true;
                start = i + 4;
            }
        }
        part(split ? RecordIo.LAST : RecordIo.WHOLE, payload, start, payload.length - start);
        if (split) {
            splitRecords++;
        }
    }

    private void part(int cflag, byte[] data, int from, int len) throws IOException {
        writeInt(RecordIo.MAGIC);
        writeInt(RecordIo.lrec(cflag, len));
        out.write(data, from, len);
        int pad = (int) (RecordIo.padded(len) - len);
        for (int i = 0; i < pad; i++) {
            out.write(0);
        }
        position += 8 + len + pad;
    }

    private void writeInt(int v) throws IOException {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    /** How many records were written as several parts because they contain the magic word. */
    public long splitRecords() {
        return splitRecords;
    }

    /** Bytes written to the {@code .rec} so far. */
    public long position() {
        return position;
    }

    @Override
    public void close() throws IOException {
        try (out; idx) {
            out.flush();
            idx.flush();
        }
    }
}
