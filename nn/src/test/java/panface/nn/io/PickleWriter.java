package panface.nn.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pickles opcode by opcode, and torch.save-style zip archives around them, so tests can
 * build well-formed and hostile PyTorch files byte for byte.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** PROTO 2, as torch.save writes. */
    static PickleWriter proto2() {
        return new PickleWriter().op(0x80).op(2);
    }

    PickleWriter op(int b) {
        out.write(b);
        return this;
    }

    PickleWriter ops(String opcodes) {
        for (char c : opcodes.toCharArray()) {
            out.write(c);
        }
        return this;
    }

    PickleWriter raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleWriter int4(int v) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    /** BINUNICODE. */
    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').int4(b.length).raw(b);
    }

    /** GLOBAL module name. */
    PickleWriter global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The smallest integer opcode for v: BININT1, BININT2, BININT or LONG1 (8 bytes). */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K').op((int) v);
        }
        if (v >= 0 && v < 65536) {
            return op('M').op((int) (v & 0xFF)).op((int) (v >>> 8));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return op('J').int4((int) v);
        }
        return op(0x8a).op(8).raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    PickleWriter put(int memo) {
        return op('q').op(memo);
    }

    PickleWriter get(int memo) {
        return op('h').op(memo);
    }

    /** A tuple of integers (MARK ... TUPLE). */
    PickleWriter ints(long... v) {
        op('(');
        for (long x : v) {
            integer(x);
        }
        return op('t');
    }

    /** OrderedDict() on the stack. */
    PickleWriter orderedDict() {
        return global("collections", "OrderedDict").ops(")R");
    }

    /** A persistent id ('storage', torch.type, key, 'cpu', numel) followed by BINPERSID. */
    PickleWriter storage(String type, String key, long numel) {
        op('(').str("storage").global("torch", type).str(key).str("cpu").integer(numel).op('t');
        return op('Q');
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) on the stack. */
    PickleWriter tensor(String type, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        storage(type, key, numel);
        integer(offset).ints(size).ints(stride).op(0x89).orderedDict();
        return ops("tR");
    }

    /** A contiguous float tensor of n elements over storage key. */
    PickleWriter floats(String key, int n) {
        return tensor("FloatStorage", key, n, 0, new long[] {n}, new long[] {1});
    }

    PickleWriter stop() {
        return op('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** A torch.save zip: archive/data.pkl, archive/data/KEY for each storage, archive/version; every entry stored. */
    static byte[] archive(byte[] pickle, Map<String, byte[]> storages) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(entries, Map.of());
    }

    /** A zip of entries, stored unless named in deflated. */
    static byte[] zip(Map<String, byte[]> entries, Map<String, Boolean> deflated) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.setLevel(Deflater.BEST_COMPRESSION);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (!deflated.getOrDefault(e.getKey(), false)) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCompressedSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Rewrites the uncompressed size of every entry named name, in its local header, data
     * descriptor and central directory record, to a lie.
     */
    static byte[] lieAboutSize(byte[] zip, String name, int claimed) {
        byte[] z = zip.clone();
        ByteBuffer b = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 4 <= z.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x04034b50 && matches(z, i + 30, n)) {
                b.putInt(i + 22, claimed);
            } else if (sig == 0x02014b50 && matches(z, i + 46, n)) {
                b.putInt(i + 24, claimed);
            } else if (sig == 0x08074b50) {
                b.putInt(i + 12, claimed);
            }
        }
        return z;
    }

    private static boolean matches(byte[] z, int at, byte[] name) {
        if (at + name.length > z.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (z[at + i] != name[i]) {
                return false;
            }
        }
        return true;
    }
}
