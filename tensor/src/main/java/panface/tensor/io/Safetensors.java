package panface.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;

/**
 * The safetensors format: 8 bytes little-endian header length N, N bytes of JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the raw
 * little-endian data. Files are read memory-mapped and validated as the safetensors library
 * validates them (see {@link #open}); every problem with a file is a {@link WeightFileException}.
 * The header may be at most 100 MiB. Writes are atomic (a temporary file renamed into place).
 */
public final class Safetensors {
    static final long MAX_HEADER = 100L << 20;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Safetensors() {
    }

    /** One tensor's entry in the header. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** An open, memory-mapped safetensors file. Close it to unmap. */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final Arena arena;
        private final MemorySegment data;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        private Reader(Path path, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
            this.path = path;
            this.arena = arena;
            this.data = data;
            this.entries = entries;
            this.metadata = metadata;
        }

        /** Tensor names in header order. */
        public List<String> names() {
            return new ArrayList<>(entries.keySet());
        }

        /** The header entry of a tensor, or an error naming the file. */
        public Entry entry(String name) {
            Entry e = entries.get(name);
            if (e == null) {
                throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
            }
            return e;
        }

        /** True when the file holds a tensor of that name. */
        public boolean contains(String name) {
            return entries.containsKey(name);
        }

        /** The {@code __metadata__} map (empty when absent). */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** A CPU tensor holding a copy of the named tensor's data (in the current scope). */
        public Tensor tensor(String name) {
            Entry e = entry(name);
            int n = Shape.numel(e.shape());
            MemorySegment src = data.asSlice(e.begin(), e.end() - e.begin());
            Object arr = switch (e.dtype()) {
                case F32 -> {
                    float[] a = new float[n];
                    MemorySegment.copy(src, F32, 0, a, 0, n);
                    yield a;
                }
                case F64 -> {
                    double[] a = new double[n];
                    MemorySegment.copy(src, F64, 0, a, 0, n);
                    yield a;
                }
                case BF16, F16 -> {
                    short[] a = new short[n];
                    MemorySegment.copy(src, I16, 0, a, 0, n);
                    yield a;
                }
                case I32 -> {
                    int[] a = new int[n];
                    MemorySegment.copy(src, I32, 0, a, 0, n);
                    yield a;
                }
                case I64 -> {
                    long[] a = new long[n];
                    MemorySegment.copy(src, I64, 0, a, 0, n);
                    yield a;
                }
                case BOOL -> {
                    byte[] a = new byte[n];
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, a, 0, n);
                    yield a;
                }
            };
            Tensor t = Tensor.empty(panface.tensor.Device.CPU, e.dtype(), e.shape());
            t.backend().write(t.storage(), 0, arr, 0, n);
            return t;
        }

        /** Unmaps the file. Idempotent. */
        @Override
        public void close() {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    /**
     * Opens and validates a file as the safetensors library does: the header is strict UTF-8 JSON
     * (nested at most {@link Json#MAX_DEPTH} levels), every entry has a supported dtype, a shape of
     * at most 2^31-1 elements and data_offsets that span exactly its bytes, and the entries tile
     * the data section from its first byte to the end of the file without gaps or overlaps; BOOL
     * tensors hold only 0 and 1. Anything else, and any I/O failure, is a
     * {@link WeightFileException} naming the file, what is wrong and where; nothing stays mapped
     * after a failure.
     */
    public static Reader open(Path path) throws WeightFileException {
        Arena arena = Arena.ofShared();
        boolean opened = false;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new WeightFileException(path, null, "not a safetensors file: only " + size + " bytes");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(I64, 0);
            if (n <= 0 || n > MAX_HEADER || n > size - 8) {
                throw new WeightFileException(path, "bytes 0-7", "not a valid safetensors file: header length " + n + " for a file of "
                        + size + " bytes (at most " + MAX_HEADER + ")");
            }
            byte[] hb = new byte[(int) n];
            MemorySegment.copy(all, ValueLayout.JAVA_BYTE, 8, hb, 0, (int) n);
            Map<String, Object> header = parseHeader(path, hb);
            MemorySegment data = all.asSlice(8 + n);
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, Object> kv : header.entrySet()) {
                if (kv.getKey().equals("__metadata__")) {
                    readMetadata(path, kv.getValue(), meta);
                } else {
                    entries.put(kv.getKey(), parseEntry(path, kv.getKey(), kv.getValue()));
                }
            }
            checkLayout(path, entries, 8 + n, data.byteSize());
            for (Entry e : entries.values()) {
                if (e.dtype() == DType.BOOL) {
                    checkBooleans(path, e, data, 8 + n);
                }
            }
            Reader r = new Reader(path, arena, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
            opened = true;
            return r;
        } catch (IOException e) {
            throw WeightFileException.unreadable(path, e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new WeightFileException(path, null, "internal error while reading the header (" + e + ")", e);
        } finally {
            if (!opened) {
                arena.close();
            }
        }
    }

    private static Map<String, Object> parseHeader(Path path, byte[] hb) throws WeightFileException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(hb);
        CharBuffer out = CharBuffer.allocate(hb.length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            throw new WeightFileException(path, "header byte " + in.position() + " (file offset " + (8 + in.position()) + ")",
                    "the safetensors header is not valid UTF-8");
        }
        dec.flush(out);
        try {
            return Json.parseObject(out.flip().toString());
        } catch (IllegalArgumentException e) {
            throw new WeightFileException(path, "the JSON header", "corrupt safetensors header: " + e.getMessage(), e);
        }
    }

    private static void readMetadata(Path path, Object v, Map<String, String> meta) throws WeightFileException {
        if (!(v instanceof Map<?, ?> m)) {
            throw new WeightFileException(path, "header key '__metadata__'", "__metadata__ is not an object");
        }
        for (Map.Entry<?, ?> me : m.entrySet()) {
            if (!(me.getValue() instanceof String sv)) {
                throw new WeightFileException(path, "header key '__metadata__'", "the value of '" + me.getKey() + "' is not a string");
            }
            meta.put(String.valueOf(me.getKey()), sv);
        }
    }

    private static Entry parseEntry(Path path, String name, Object v) throws WeightFileException {
        String where = "header entry '" + name + "'";
        if (!(v instanceof Map<?, ?> m)) {
            throw new WeightFileException(path, where, "the entry is not an object");
        }
        if (!(m.get("dtype") instanceof String dts)) {
            throw new WeightFileException(path, where, "no \"dtype\" string");
        }
        if (!(m.get("shape") instanceof List<?> shl)) {
            throw new WeightFileException(path, where, "no \"shape\" list");
        }
        if (!(m.get("data_offsets") instanceof List<?> offl) || offl.size() != 2
                || !(offl.get(0) instanceof Long b) || !(offl.get(1) instanceof Long e)) {
            throw new WeightFileException(path, where, "no \"data_offsets\" pair of integers");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dts);
        } catch (IllegalArgumentException x) {
            throw new WeightFileException(path, where, x.getMessage(), x);
        }
        int[] shape = new int[shl.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shl.get(i) instanceof Long d) || d < 0) {
                throw new WeightFileException(path, where, "dimension " + i + " of the shape is not a non-negative integer: "
                        + shl.get(i));
            }
            numel = d > Integer.MAX_VALUE ? Long.MAX_VALUE : multiplySaturated(numel, d);
            shape[i] = (int) Math.min(d, Integer.MAX_VALUE);
        }
        if (numel > Integer.MAX_VALUE) {
            throw new WeightFileException(path, where, "the shape " + shl + " has more than 2^31-1 elements; tensors that large are not "
                    + "supported");
        }
        if (b < 0 || e < b) {
            throw new WeightFileException(path, where, "data_offsets [" + b + ", " + e + "] are not an increasing pair of non-negative offsets");
        }
        long want = numel * dtype.byteSize();
        if (e - b != want) {
            throw new WeightFileException(path, where, dtype + Arrays.toString(shape) + " needs " + want + " bytes but its data_offsets ["
                    + b + ", " + e + "] span " + (e - b));
        }
        return new Entry(name, dtype, shape, b, e);
    }

    private static long multiplySaturated(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    /** Like the safetensors library: sorted by offset, the entries cover the data section exactly, from 0 to its end. */
    private static void checkLayout(Path path, Map<String, Entry> entries, long dataStart, long dataSize) throws WeightFileException {
        List<Entry> list = new ArrayList<>(entries.values());
        list.sort((x, y) -> x.begin() != y.begin() ? Long.compare(x.begin(), y.begin()) : Long.compare(x.end(), y.end()));
        long at = 0;
        Entry previous = null;
        for (Entry e : list) {
            if (e.begin() < at) {
                throw new WeightFileException(path, "header entry '" + e.name() + "'", "its data [" + e.begin() + ", " + e.end()
                        + ") overlaps that of '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (e.begin() > at) {
                throw new WeightFileException(path, "data bytes " + at + "-" + (e.begin() - 1) + " (file offset " + (dataStart + at) + ")",
                        "a gap: these bytes belong to no tensor (the next is '" + e.name() + "' at " + e.begin() + ")");
            }
            at = e.end();
            previous = e;
        }
        if (at > dataSize) {
            throw new WeightFileException(path, "header entry '" + previous.name() + "'", "data_offsets [" + previous.begin() + ", "
                    + previous.end() + "] reach outside the " + dataSize + " data bytes (the file is truncated or the offsets are wrong)");
        }
        if (at < dataSize) {
            throw new WeightFileException(path, "file offset " + (dataStart + at), (dataSize - at) + " bytes after the last tensor's data "
                    + "belong to no tensor");
        }
    }

    private static void checkBooleans(Path path, Entry e, MemorySegment data, long dataStart) throws WeightFileException {
        for (long i = e.begin(); i < e.end(); i++) {
            byte x = data.get(ValueLayout.JAVA_BYTE, i);
            if (x != 0 && x != 1) {
                throw new WeightFileException(path, "tensor '" + e.name() + "' element " + (i - e.begin()) + " (file offset "
                        + (dataStart + i) + ")", "a BOOL byte " + x + " that is neither 0 nor 1");
            }
        }
    }

    /** Reads every tensor of a file into CPU tensors (in the current scope), in header order. */
    public static Map<String, Tensor> load(Path path) throws WeightFileException {
        try (Reader r = open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : r.names()) {
                out.put(name, r.tensor(name));
            }
            return out;
        }
    }

    /** Writes tensors (any device; copied to the host) atomically, with optional metadata. */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        List<Tensor> order = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bytes = (long) t.numel() * t.dtype().byteSize();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype().safetensorsName());
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) {
                shape.add((long) d);
            }
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), info);
            order.add(t);
            offset += bytes;
        }
        byte[] hb = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (hb.length + 7) / 8 * 8;
        byte[] h = Arrays.copyOf(hb, padded);
        Arrays.fill(h, hb.length, padded, (byte) ' ');
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                MemorySegment head = arena.allocate(8 + padded);
                head.set(I64, 0, padded);
                MemorySegment.copy(h, 0, head, ValueLayout.JAVA_BYTE, 8, padded);
                ch.write(head.asByteBuffer());
                for (Tensor t : order) {
                    writeData(ch, arena, t);
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeData(FileChannel ch, Arena arena, Tensor t) throws IOException {
        Tensor c = t.detach().to(panface.tensor.Device.CPU).contiguous();
        int n = c.numel();
        MemorySegment seg = arena.allocate(Math.max(1, (long) n * c.dtype().byteSize()));
        Object host = switch (c.dtype()) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case BF16, F16 -> new short[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new byte[n];
        };
        c.backend().read(c.storage(), c.offset(), host, 0, n);
        switch (host) {
            case float[] a -> MemorySegment.copy(a, 0, seg, F32, 0, n);
            case double[] a -> MemorySegment.copy(a, 0, seg, F64, 0, n);
            case short[] a -> MemorySegment.copy(a, 0, seg, I16, 0, n);
            case int[] a -> MemorySegment.copy(a, 0, seg, I32, 0, n);
            case long[] a -> MemorySegment.copy(a, 0, seg, I64, 0, n);
            case byte[] a -> MemorySegment.copy(a, 0, seg, ValueLayout.JAVA_BYTE, 0, n);
            default -> throw new IllegalStateException();
        }
        ch.write(seg.asSlice(0, (long) n * c.dtype().byteSize()).asByteBuffer());
    }
}
