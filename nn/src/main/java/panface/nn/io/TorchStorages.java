package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.io.WeightFileException;

/**
 * The storage entries of a torch.save archive: which storage types map to which dtype, and
 * reading one entry into a CPU storage with its size checked before anything is inflated and
 * bounded while it is.
 */
final class TorchStorages {
    /** Deflate cannot expand data more than about 1032 times; an entry claiming more is a bomb or a lie. */
    static final long MAX_DEFLATE_RATIO = 1032;
    private static final int CHUNK = 1 << 20;

    private TorchStorages() {
    }

    /** A storage type: the dtype it becomes and the bytes per element in the file. */
    record Kind(String name, DType dtype, int width) {
    }

    static final Map<String, Kind> KINDS = Map.ofEntries(
            kind("FloatStorage", DType.F32, 4), kind("DoubleStorage", DType.F64, 8), kind("HalfStorage", DType.F16, 2),
            kind("BFloat16Storage", DType.BF16, 2), kind("LongStorage", DType.I64, 8), kind("IntStorage", DType.I32, 4),
            kind("BoolStorage", DType.BOOL, 1), kind("ShortStorage", DType.I32, 2), kind("CharStorage", DType.I32, 1),
            kind("ByteStorage", DType.I32, 1));

    private static Map.Entry<String, Kind> kind(String name, DType dtype, int width) {
        return Map.entry(name, new Kind(name, dtype, width));
    }

    /** The kind of a storage-type global, or null when the global is not one. */
    static Kind kind(SafeUnpickler.Global g) {
        return "torch".equals(g.module()) && g.callable() == null ? KINDS.get(g.name()) : null;
    }

    /** Reads an entry holding numel elements of a kind from a zip file of fileSize bytes. */
    static Storage read(Path path, long fileSize, ZipFile zip, ZipEntry e, Kind kind, long numel) throws WeightFileException {
        String where = e.getName();
        if (numel < 0 || numel > Integer.MAX_VALUE) {
            throw new WeightFileException(path, where, "a storage of " + numel + " elements; storages of more than 2^31-1 elements are "
                    + "not supported");
        }
        long bytes = numel * kind.width();
        if (e.getSize() >= 0 && e.getSize() != bytes) {
            throw new WeightFileException(path, where, "the entry holds " + e.getSize() + " bytes but the storage declares " + numel + " "
                    + kind.name() + " elements (" + bytes + " bytes)");
        }
        long packed = e.getCompressedSize();
        if (packed > fileSize) {
            throw new WeightFileException(path, where, "the zip directory claims " + packed + " compressed bytes in a file of " + fileSize);
        }
        if (e.getMethod() == ZipEntry.STORED ? packed >= 0 && packed != bytes
                : packed >= 0 && bytes > MAX_DEFLATE_RATIO * packed + 1024) {
            throw new WeightFileException(path, where, "a compressed entry of " + packed + " bytes cannot hold the " + bytes
                    + " bytes its storage declares");
        }
        if (bytes > Runtime.getRuntime().maxMemory()) {
            throw new WeightFileException(path, where, "a storage of " + bytes + " bytes does not fit in the Java heap (at most "
                    + Runtime.getRuntime().maxMemory() + " bytes; raise -Xmx)");
        }
        Tensor t;
        try {
            t = Tensor.empty(Device.CPU, kind.dtype(), (int) numel);
        } catch (OutOfMemoryError oom) {
            throw new WeightFileException(path, where, "a storage of " + bytes + " bytes does not fit in the free Java heap (raise -Xmx)", oom);
        }
        try (InputStream in = zip.getInputStream(e)) {
            fill(path, where, in, kind, t, (int) numel);
            if (in.read() >= 0) {
                throw new WeightFileException(path, where, "the entry inflates to more than the " + bytes + " bytes its storage declares");
            }
        } catch (IOException x) {
            throw TorchCheckpoint.entryError(path, e, x);
        }
        return t.storage();
    }

    /** Streams the elements into the storage a chunk at a time, so no second copy of the whole entry is ever held. */
    private static void fill(Path path, String where, InputStream in, Kind kind, Tensor dst, int numel) throws IOException {
        int perChunk = CHUNK / kind.width();
        byte[] raw = new byte[Math.min(numel, perChunk) * kind.width()];
        for (int done = 0; done < numel; ) {
            int n = Math.min(perChunk, numel - done);
            int len = n * kind.width();
            int got = in.readNBytes(raw, 0, len);
            if (got < len) {
                throw new WeightFileException(path, where, "the entry ends after " + ((long) done * kind.width() + got) + " of the "
                        + (long) numel * kind.width() + " bytes its storage declares");
            }
            ByteBuffer b = ByteBuffer.wrap(raw, 0, len).order(ByteOrder.LITTLE_ENDIAN);
            Object arr = switch (kind.name()) {
                case "FloatStorage" -> {
                    float[] a = new float[n];
                    b.asFloatBuffer().get(a);
                    yield a;
                }
                case "DoubleStorage" -> {
                    double[] a = new double[n];
                    b.asDoubleBuffer().get(a);
                    yield a;
                }
                case "HalfStorage", "BFloat16Storage" -> {
                    short[] a = new short[n];
                    b.asShortBuffer().get(a);
                    yield a;
                }
                case "LongStorage" -> {
                    long[] a = new long[n];
                    b.asLongBuffer().get(a);
                    yield a;
                }
                case "IntStorage" -> {
                    int[] a = new int[n];
                    b.asIntBuffer().get(a);
                    yield a;
                }
                case "ShortStorage" -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = b.getShort(2 * i);
                    }
                    yield a;
                }
                case "CharStorage" -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = raw[i];
                    }
                    yield a;
                }
                case "ByteStorage" -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = raw[i] & 0xFF;
                    }
                    yield a;
                }
                case "BoolStorage" -> {
                    byte[] a = new byte[n];
                    for (int i = 0; i < n; i++) {
                        if (raw[i] != 0 && raw[i] != 1) {
                            throw new WeightFileException(path, where + ", element " + (done + i), "a boolean byte " + raw[i]
                                    + " that is neither 0 nor 1");
                        }
                        a[i] = raw[i];
                    }
                    yield a;
                }
                default -> throw new IllegalStateException("no decoder for " + kind.name());
            };
            dst.backend().write(dst.storage(), done, arr, 0, n);
            done += n;
        }
    }
}
