package panface.examples.distill;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * The frozen teacher's embeddings of a fixed image set, computed once and memory-mapped: a
 * student step then costs only the student's forward and backward. Valid only while the
 * teacher sees exactly the stored images (no random view of its own), which the loop checks
 * before using it. File: "PFTC", int32 images, int32 dimension, int64 fingerprint (of the
 * teacher and the images; a mismatch recomputes), then images x dimension float32,
 * little-endian.
 */
public final class TeacherCache {
    private static final int MAGIC = 0x43544650;
    private static final int HEADER = 24;
    private final FloatBuffer rows;
    private final int size;
    private final int dim;
    private final boolean reused;

    private TeacherCache(FloatBuffer rows, int size, int dim, boolean reused) {
        this.rows = rows;
        this.size = size;
        this.dim = dim;
        this.reused = reused;
    }

    /**
     * Maps the cache at file when it holds this fingerprint's embeddings, otherwise computes
     * them with teacher (in evaluation mode, no gradients, batches of {@code batch}) and writes
     * them there first.
     */
    public static TeacherCache open(Path file, long fingerprint, DistillImages images, int dim, int batch, UnaryOperator<Tensor> teacher)
            throws IOException {
        int n = images.size();
        long bytes = HEADER + 4L * n * dim;
        if (4L * n * dim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a teacher cache of " + n + " x " + dim + " embeddings exceeds the 2 GiB of one mapping");
        }
        if (!matches(file, fingerprint, n, dim, bytes)) {
            write(file, fingerprint, images, dim, batch, teacher);
            return map(file, n, dim, false);
        }
        return map(file, n, dim, true);
    }

    private static boolean matches(Path file, long fingerprint, int n, int dim, long bytes) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != bytes) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            h.flip();
            return h.getInt() == MAGIC && h.getInt() == n && h.getInt() == dim && h.getLong() == fingerprint;
        }
    }

    private static void write(Path file, long fingerprint, DistillImages images, int dim, int batch, UnaryOperator<Tensor> teacher)
            throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        int n = images.size();
        int side = images.side();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(n).putInt(dim).putLong(fingerprint).putInt(0).flip();
            ch.write(h);
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start);
                int[] idx = new int[b];
                for (int i = 0; i < b; i++) {
                    idx[i] = start + i;
                }
                float[] x = new float[b * 3 * side * side];
                images.fill(idx, x);
                float[] e;
                try (Scope s = Scope.open(); var off = GradMode.noGrad()) {
                    Tensor out = teacher.apply(Tensor.of(x, b, 3, side, side));
                    if (out.dim() != 2 || out.size(1) != dim) {
                        throw new IllegalArgumentException("the teacher gives " + out.describe() + ", expected (B, " + dim + ")");
                    }
                    e = out.contiguous().toFloatArray();
                }
                ByteBuffer buf = ByteBuffer.allocate(4 * e.length).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(e);
                ch.write(buf);
            }
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static TeacherCache map(Path file, int n, int dim, boolean reused) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, HEADER + 4L * n * dim);
            m.order(ByteOrder.LITTLE_ENDIAN);
            return new TeacherCache(m.slice(HEADER, 4 * n * dim).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), n, dim, reused);
        }
    }

    /** Whether the file already held these embeddings (nothing was computed). */
    public boolean reused() {
        return reused;
    }

    public int size() {
        return size;
    }

    /** The teacher's embeddings of images idx, (B, dim) float32. */
    public Tensor rows(int[] idx) {
        float[] out = new float[idx.length * dim];
        for (int i = 0; i < idx.length; i++) {
            rows.get(idx[i] * dim, out, i * dim, dim);
        }
        return Tensor.of(out, idx.length, dim);
    }
}
