package panface.nn.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A RecordIO file that cannot be read as written: a bad magic word, a length that runs past the
 * end of the file, a split record whose parts do not follow each other, a payload too short for
 * its image-record header. The message names the file, the record (its position in the
 * {@code .idx} and its key) and the byte offset where reading failed.
 */
public final class RecordIoException extends IOException {
    private final Path file;
    private final long key;
    private final long offset;

    public RecordIoException(Path file, long key, long offset, String problem) {
        super(file + ": " + (key >= 0 ? "record with key " + key + (offset >= 0 ? ", " : "") : "") + (offset >= 0 ? "byte offset " + offset : "")
                + ": " + problem);
        this.file = file;
        this.key = key;
        this.offset = offset;
    }

    public RecordIoException(Path file, long key, long offset, String problem, Throwable cause) {
        this(file, key, offset, problem);
        initCause(cause);
    }

    /** The {@code .rec} (or {@code .idx}) file. */
    public Path file() {
        return file;
    }

    /** The record's key (from the {@code .idx}), or -1 when no record is concerned. */
    public long key() {
        return key;
    }

    /** The byte offset in the file where reading failed, or -1 when unknown. */
    public long offset() {
        return offset;
    }
}
