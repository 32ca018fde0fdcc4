package panface.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Durable replacement of a checkpoint file. The writer ({@code Safetensors.save}) writes a
 * uniquely named temporary file beside the target (name + digits + ".tmp"), fsyncs it, renames it
 * over the target and deletes it on failure; this adds what a killed process cannot do itself:
 * before each save, temporary files of the same target that an earlier, killed writer left are
 * deleted (each is as large as a checkpoint); on a normal JVM shutdown (SIGTERM, Ctrl-C) the temporary file
 * of a save in progress is deleted; after the rename the folder is fsynced so that the new
 * directory entry survives a power loss (where the OS allows opening a folder; elsewhere, such
 * as Windows, that step is skipped). One writer per target path at a time.
 */
final class CheckpointFiles {
    /** Writes a complete file at a path (atomically, through a temporary file beside it). */
    @FunctionalInterface
    interface Writer {
        void write(Path path) throws IOException;
    }

    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static volatile boolean hooked;

    private CheckpointFiles() {
    }

    static void write(Path path, Writer writer) throws IOException {
        Path target = path.toAbsolutePath().normalize();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        if (Files.isDirectory(target)) {
            throw new IOException(target + " is a folder; a checkpoint needs a file name");
        }
        removeStale(target);
        hookShutdown();
        IN_FLIGHT.add(target);
        try {
            writer.write(target);
        } finally {
            IN_FLIGHT.remove(target);
        }
        syncFolder(dir);
    }

    /** Deletes the temporary files of a target left by killed writers; returns how many. */
    static int removeStale(Path target) throws IOException {
        Pattern temp = Pattern.compile(Pattern.quote(target.getFileName().toString()) + "[0-9]+\\.tmp");
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target.getParent(), p -> temp.matcher(p.getFileName().toString()).matches())) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** fsync of a folder, so a rename in it is durable; skipped where folders cannot be opened. */
    static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported on this OS or file system: the rename itself is still atomic
        }
    }

    private static void hookShutdown() {
        if (hooked) {
            return;
        }
        synchronized (CheckpointFiles.class) {
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    for (Path t : IN_FLIGHT) {
                        try {
                            removeStale(t);
                        } catch (IOException | RuntimeException e) {
                            // best effort while the JVM exits; the next save removes what is left
                        }
                    }
                }, "panface-checkpoint-cleanup"));
                hooked = true;
            }
        }
    }
}
