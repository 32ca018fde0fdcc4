package panface.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Random edits of weight files for {@link WeightFileFuzzer}: byte flips, truncations, insertions,
 * deletions and duplications; length-field edits (the safetensors header length, numbers in its
 * JSON, zip sizes and offsets); and, inside a torch.save archive, edits of the pickle's bytes and
 * integer operands, of storage entries and of the compression (with lying sizes), re-zipped so
 * they reach the unpickler. Each appends what it did to a description.
 */
final class WeightFileMutations {
    private static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 255, 256, 65535, 65536, Integer.MAX_VALUE, 1L << 31, (1L << 32) - 1,
        1L << 32, (1L << 32) + 1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, 100L << 20};
    private static final byte[] OPCODES = "}])(NJKMGXUqrhjtaesucRbQ.\u0080\u0081\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0093\u0094\u0095Tt0"
            .getBytes(StandardCharsets.ISO_8859_1);


    private WeightFileMutations() {
    }

    /** One to three mutations, most of them structure-aware. */
    static byte[] mutate(byte[] seed, SplittableRandom rnd, StringBuilder how) {
        byte[] b = seed;
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            boolean zip = b.length > 4 && b[0] == 'P' && b[1] == 'K';
            boolean safetensors = !zip && b.length > 8 && b[8] == '{';
            int pick = rnd.nextInt(10);
            if (zip && pick < 8) {
                b = mutateArchive(b, rnd, how);
            } else if (safetensors && pick < 6) {
                b = mutateHeader(b, rnd, how);
            } else if (zip && pick == 8) {
                b = editZipField(b, rnd, how);
            } else {
                b = mutateBytes(b, rnd, how);
            }
        }
        return b;
    }

    /** Raw edits: flips, random bytes, truncation, insertion, deletion, duplication. */
    static byte[] mutateBytes(byte[] b, SplittableRandom rnd, StringBuilder how) {
        if (b.length == 0) {
            how.append("[insert into empty]");
            return new byte[] {(byte) rnd.nextInt(256)};
        }
        int at = rnd.nextInt(b.length);
        switch (rnd.nextInt(6)) {
            case 0 -> {
                byte[] c = b.clone();
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    c[rnd.nextInt(c.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                how.append("[flip ").append(n).append(" bits]");
                return c;
            }
            case 1 -> {
                byte[] c = b.clone();
                c[at] = (byte) rnd.nextInt(256);
                how.append("[set byte ").append(at).append(']');
                return c;
            }
            case 2 -> {
                how.append("[truncate to ").append(at).append(']');
                return java.util.Arrays.copyOf(b, at);
            }
            case 3 -> {
                byte[] ins = new byte[1 + rnd.nextInt(16)];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = rnd.nextBoolean() ? OPCODES[rnd.nextInt(OPCODES.length)] : (byte) rnd.nextInt(256);
                }
                how.append("[insert ").append(ins.length).append(" at ").append(at).append(']');
                return splice(b, at, 0, ins);
            }
            case 4 -> {
                int n = 1 + rnd.nextInt(Math.min(32, b.length - at));
                how.append("[delete ").append(n).append(" at ").append(at).append(']');
                return splice(b, at, n, new byte[0]);
            }
            default -> {
                int from = rnd.nextInt(b.length);
                int n = 1 + rnd.nextInt(Math.min(64, b.length - from));
                how.append("[duplicate ").append(n).append(" from ").append(from).append(" at ").append(at).append(']');
                return splice(b, at, 0, java.util.Arrays.copyOfRange(b, from, from + n));
            }
        }
    }

    /** Unzips, mutates the pickle, a storage entry or the compression, and zips again. */
    private static byte[] mutateArchive(byte[] zip, SplittableRandom rnd, StringBuilder how) {
        Map<String, byte[]> entries = unzip(zip);
        if (entries == null) {
            return mutateBytes(zip, rnd, how);
        }
        List<String> keys = new ArrayList<>(entries.keySet());
        if (keys.isEmpty()) {
            return mutateBytes(zip, rnd, how);
        }
        String pkl = keys.stream().filter(k -> k.endsWith("data.pkl")).findFirst().orElse(keys.get(0));
        Map<String, Boolean> deflated = new LinkedHashMap<>();
        int pick = rnd.nextInt(10);
        if (pick < 6) {
            entries.put(pkl, rnd.nextInt(3) == 0 ? editPickleInteger(entries.get(pkl), rnd, how) : mutateBytes(entries.get(pkl), rnd, how));
            how.append(" in ").append(pkl);
        } else if (pick < 8) {
            String k = keys.get(rnd.nextInt(keys.size()));
            entries.put(k, mutateBytes(entries.get(k), rnd, how));
            how.append(" in ").append(k);
        } else {
            String k = keys.get(rnd.nextInt(keys.size()));
            deflated.put(k, true);
            how.append("[deflate ").append(k).append(']');
        }
        byte[] z = PickleWriter.zip(entries, deflated);
        if (!deflated.isEmpty() && rnd.nextBoolean()) {
            long lie = INTERESTING[rnd.nextInt(INTERESTING.length)];
            how.append("[claim size ").append(lie).append(']');
            z = PickleWriter.lieAboutSize(z, deflated.keySet().iterator().next(), (int) lie);
        }
        return z;
    }

    /** The entries of a zip (PyTorch writes stored entries with data descriptors, which ZipInputStream refuses), or null. */
    private static Map<String, byte[]> unzip(byte[] zip) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("unzip", ".zip");
            Files.write(tmp, zip);
            Map<String, byte[]> entries = new LinkedHashMap<>();
            try (ZipFile z = new ZipFile(tmp.toFile())) {
                for (var en = z.entries(); en.hasMoreElements(); ) {
                    ZipEntry e = en.nextElement();
                    try (InputStream in = z.getInputStream(e)) {
                        entries.put(e.getName(), in.readNBytes(1 << 20));
                    }
                }
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    /** Replaces a BININT1/BININT2/BININT operand with an interesting value, as LONG1 where it does not fit. */
    private static byte[] editPickleInteger(byte[] pkl, SplittableRandom rnd, StringBuilder how) {
        List<Integer> at = new ArrayList<>();
        for (int i = 2; i < pkl.length; i++) {
            if (pkl[i] == 'K' || pkl[i] == 'M' || pkl[i] == 'J') {
                at.add(i);
            }
        }
        if (at.isEmpty()) {
            return mutateBytes(pkl, rnd, how);
        }
        int i = at.get(rnd.nextInt(at.size()));
        int width = pkl[i] == 'K' ? 1 : pkl[i] == 'M' ? 2 : 4;
        if (i + width >= pkl.length) {
            return mutateBytes(pkl, rnd, how);
        }
        long v = INTERESTING[rnd.nextInt(INTERESTING.length)];
        byte[] repl = new PickleWriter().integer(v).bytes();
        how.append("[integer at ").append(i).append(" := ").append(v).append(']');
        return splice(pkl, i, 1 + width, repl);
    }

    /** Edits a size, offset or length field of a zip record to an interesting value. */
    private static byte[] editZipField(byte[] z, SplittableRandom rnd, StringBuilder how) {
        ByteBuffer b = ByteBuffer.wrap(z.clone()).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> fields = new ArrayList<>();
        for (int i = 0; i + 46 <= z.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x04034b50) {
                fields.add(new int[] {i + 18, 4}); fields.add(new int[] {i + 22, 4}); fields.add(new int[] {i + 26, 2});
                fields.add(new int[] {i + 28, 2}); fields.add(new int[] {i + 8, 2});
            } else if (sig == 0x02014b50) {
                fields.add(new int[] {i + 20, 4}); fields.add(new int[] {i + 24, 4}); fields.add(new int[] {i + 28, 2});
                fields.add(new int[] {i + 30, 2}); fields.add(new int[] {i + 42, 4}); fields.add(new int[] {i + 10, 2});
            }
        }
        for (int i = 0; i + 22 <= z.length; i++) {
            if (b.getInt(i) == 0x06054b50) {
                fields.add(new int[] {i + 10, 2}); fields.add(new int[] {i + 12, 4}); fields.add(new int[] {i + 16, 4});
            }
        }
        if (fields.isEmpty()) {
            return mutateBytes(z, rnd, how);
        }
        int[] f = fields.get(rnd.nextInt(fields.size()));
        long v = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : rnd.nextInt(1 << 16);
        if (f[1] == 2) {
            b.putShort(f[0], (short) v);
        } else {
            b.putInt(f[0], (int) v);
        }
        how.append("[zip field at ").append(f[0]).append(" := ").append(v).append(']');
        return b.array();
    }

    /** Edits the safetensors header: its length field, a number, a string or the nesting, keeping the length right most times. */
    private static byte[] mutateHeader(byte[] st, SplittableRandom rnd, StringBuilder how) {
        ByteBuffer b = ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        if (n <= 0 || n > st.length - 8) {
            return mutateBytes(st, rnd, how);
        }
        String header = new String(st, 8, (int) n, StandardCharsets.UTF_8);
        byte[] data = java.util.Arrays.copyOfRange(st, 8 + (int) n, st.length);
        int pick = rnd.nextInt(6);
        if (pick == 0) {
            long v = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : n + rnd.nextInt(-9, 10);
            how.append("[header length := ").append(v).append(']');
            return ByteBuffer.wrap(st.clone()).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v).array();
        }
        String h;
        if (pick <= 2) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d+").matcher(header);
            List<int[]> spans = new ArrayList<>();
            while (m.find()) {
                spans.add(new int[] {m.start(), m.end()});
            }
            if (spans.isEmpty()) {
                return mutateBytes(st, rnd, how);
            }
            int[] s = spans.get(rnd.nextInt(spans.size()));
            String v = rnd.nextInt(8) == 0 ? "99999999999999999999" : Long.toString(INTERESTING[rnd.nextInt(INTERESTING.length)]);
            how.append("[header number ").append(header, s[0], s[1]).append(" := ").append(v).append(']');
            h = header.substring(0, s[0]) + v + header.substring(s[1]);
        } else if (pick == 3) {
            String[] words = {"\"F32\"", "\"BOOL\"", "\"I64\"", "\"F64\"", "\"U8\"", "null", "[]", "{}", "[[[[", "\"__metadata__\"", "1.5e400"};
            int at = rnd.nextInt(header.length());
            String w = words[rnd.nextInt(words.length)];
            how.append("[header insert ").append(w).append(" at ").append(at).append(']');
            h = header.substring(0, at) + w + header.substring(at);
        } else {
            byte[] hb = mutateBytes(header.getBytes(StandardCharsets.UTF_8), rnd, how);
            how.append(" in the header");
            h = new String(hb, StandardCharsets.ISO_8859_1);
            byte[] out = new byte[8 + hb.length + data.length];
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hb.length);
            System.arraycopy(hb, 0, out, 8, hb.length);
            System.arraycopy(data, 0, out, 8 + hb.length, data.length);
            return out;
        }
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + hb.length + data.length];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hb.length);
        System.arraycopy(hb, 0, out, 8, hb.length);
        System.arraycopy(data, 0, out, 8 + hb.length, data.length);
        return out;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }
}
