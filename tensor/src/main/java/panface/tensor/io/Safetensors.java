package panface.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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
 * little-endian data. Files are read memory-mapped and validated (bounds, sizes, overlaps); writes
 * are atomic (a temporary file renamed into place).
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
                    for (int i = 0; i < n; i++) {
                        if (a[i] != 0 && a[i] != 1) {
                            throw new IllegalArgumentException("tensor '" + name + "' in " + path + " holds a BOOL byte " + a[i]
                                    + " that is neither 0 nor 1");
                        }
                    }
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

    /** Opens and validates a file; errors name the file and what is wrong. */
    public static Reader open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(path + " is not a safetensors file: only " + size + " bytes");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(I64, 0);
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
                throw new IOException(path + " is not a valid safetensors file: header length " + n + " for a file of " + size + " bytes");
            }
            byte[] hb = new byte[(int) n];
            MemorySegment.copy(all, ValueLayout.JAVA_BYTE, 8, hb, 0, (int) n);
            Map<String, Object> header;
            try {
                header = Json.parseObject(new String(hb, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IOException(path + " has a corrupt safetensors header: " + e.getMessage(), e);
            }
            MemorySegment data = all.asSlice(8 + n);
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, Object> kv : header.entrySet()) {
                if (kv.getKey().equals("__metadata__")) {
                    if (!(kv.getValue() instanceof Map<?, ?> m)) {
                        throw new IOException(path + ": __metadata__ is not an object");
                    }
                    for (Map.Entry<?, ?> me : m.entrySet()) {
                        if (!(me.getValue() instanceof String sv)) {
                            throw new IOException(path + ": __metadata__ value of '" + me.getKey() + "' is not a string");
                        }
                        meta.put(String.valueOf(me.getKey()), sv);
                    }
                    continue;
                }
                entries.put(kv.getKey(), parseEntry(path, kv.getKey(), kv.getValue(), data.byteSize()));
            }
            checkOverlaps(path, entries);
            return new Reader(path, arena, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof IllegalArgumentException iae) {
                throw new IOException(path + ": " + iae.getMessage(), iae);
            }
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, Object v, long dataSize) throws IOException {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IOException(path + ": entry '" + name + "' is not an object");
        }
        Object dt = m.get("dtype");
        Object sh = m.get("shape");
        Object off = m.get("data_offsets");
        if (!(dt instanceof String dts) || !(sh instanceof List<?> shl) || !(off instanceof List<?> offl) || offl.size() != 2) {
            throw new IOException(path + ": entry '" + name + "' lacks dtype, shape or data_offsets");
        }
        DType dtype = DType.fromSafetensors(dts);
        int[] shape = new int[shl.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shl.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new IOException(path + ": entry '" + name + "' has a bad shape " + shl);
            }
            shape[i] = (int) (long) d;
        }
        if (!(offl.get(0) instanceof Long b) || !(offl.get(1) instanceof Long e) || b < 0 || e < b || e > dataSize) {
            throw new IOException(path + ": entry '" + name + "' has data_offsets " + offl + " outside the " + dataSize + " data bytes");
        }
        Entry entry = new Entry(name, dtype, shape, b, e);
        long want = entry.numel() * dtype.byteSize();
        if (e - b != want) {
            throw new IOException(path + ": entry '" + name + "' (" + dtype + Arrays.toString(shape) + ") needs " + want
                    + " bytes but its data_offsets span " + (e - b));
        }
        return entry;
    }

    private static void checkOverlaps(Path path, Map<String, Entry> entries) throws IOException {
        List<Entry> list = new ArrayList<>(entries.values());
        list.sort((x, y) -> Long.compare(x.begin(), y.begin()));
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).begin() < list.get(i - 1).end()) {
                throw new IOException(path + ": tensors '" + list.get(i - 1).name() + "' and '" + list.get(i).name() + "' overlap");
            }
        }
    }

    /** Reads every tensor of a file into CPU tensors (in the current scope), in header order. */
    public static Map<String, Tensor> load(Path path) throws IOException {
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
