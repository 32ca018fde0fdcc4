package panface.tensor.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A weights file (safetensors or a PyTorch checkpoint) could not be read: it is missing or
 * unreadable, corrupt, truncated, unsafe, beyond a documented limit, or uses a feature the
 * readers do not support. It is the one exception the weight readers throw for anything wrong
 * with a file, so callers catch this (or {@link IOException}). The message names the file, what is
 * wrong and where; {@link #file()} and {@link #location()} give the parts.
 */
public class WeightFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String location;

    /**
     * @param file     the file being read
     * @param location where in the file the problem is (e.g. "byte 57 of archive/data.pkl", "header
     *                 entry 'conv.weight'"), or null when it concerns the whole file
     * @param problem  what is wrong, as a sentence fragment
     * @param cause    the underlying exception, or null
     */
    public WeightFileException(Path file, String location, String problem, Throwable cause) {
        super(file + ": " + problem + (location == null ? "" : " (at " + location + ")"), cause);
        this.file = file;
        this.location = location;
    }

    public WeightFileException(Path file, String location, String problem) {
        this(file, location, problem, null);
    }

    /**
     * The exception for a file the operating system would not open or read (missing, a folder,
     * no permission, an I/O error), or an existing WeightFileException unchanged.
     */
    public static WeightFileException unreadable(Path file, IOException e) {
        if (e instanceof WeightFileException w) {
            return w;
        }
        String why = switch (e) {
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            default -> "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        };
        return new WeightFileException(file, null, why, e);
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }

    /** Where in the file the problem was found, or null when it concerns the whole file. */
    public String location() {
        return location;
    }
}
