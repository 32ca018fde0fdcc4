package panface.nn.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Crafted torch.save files, each probing one way a file can be hostile or odd. Tests write them
 * to a temporary folder; {@code main(folder)} writes them for torch_verdicts.py, which records
 * how torch.load(weights_only=True) reads each (hostile_verdicts.json). All are small except the
 * bombs, which inflate to 24 MiB.
 */
final class HostileTorchFiles {
    private HostileTorchFiles() {
    }

    static final byte[] W4 = PickleWriter.f32(1, 2, 3, 4);
    private static final byte[] VERSION = {'3', '\n'};

    /** The cases by name (file name without .pt), in a fixed order. */
    static Map<String, byte[]> all() {
        Map<String, byte[]> c = new LinkedHashMap<>();
        c.put("legit_state_dict", stateDict(PickleWriter.proto2().orderedDict().put(0).str("w").floats("0", 4).op('s').stop()));
        c.put("billion_laughs", billionLaughs());
        c.put("deep_lists", deep(100_000, "]", "a"));
        c.put("deep_dicts", deepDicts(100_000));
        c.put("deep_tuples", deepTuples(100_000));
        c.put("self_list", archive(PickleWriter.proto2().op(']').put(0).get(0).op('a').stop()));
        c.put("self_dict", archive(PickleWriter.proto2().op('}').put(0).str("me").get(0).op('s').stop()));
        c.put("self_list_as_key", archive(PickleWriter.proto2().op('}').op(']').put(0).get(0).op('a').integer(1).op('s').stop()));
        // BUILD sets attributes of an OrderedDict (a state dict's _metadata): never its items.
        c.put("build_overwrites_items", PickleWriter.archive(PickleWriter.proto2().orderedDict().str("w").floats("0", 4).op('s')
                .op('}').str("w").tensor("FloatStorage", "1", 1, 0, new long[] {1}, new long[] {1}).op('s').op('b').stop().bytes(),
                Map.of("0", W4, "1", PickleWriter.f32(4))));
        c.put("build_on_plain_dict", stateDict(PickleWriter.proto2().op('}').str("w").floats("0", 4).op('s').op('}').op('b').stop()));
        c.put("size_2pow32", oneTensor(0, new long[] {1L << 32}, new long[] {1}));
        c.put("offset_2pow32", oneTensor(1L << 32, new long[] {1}, new long[] {1}));
        c.put("stride_2pow32_plus1", oneTensor(0, new long[] {2}, new long[] {(1L << 32) + 1}));
        c.put("negative_stride", oneTensor(3, new long[] {4}, new long[] {-1}));
        c.put("view_outside_storage", oneTensor(0, new long[] {5}, new long[] {1}));
        c.put("setitems_odd", stateDict(PickleWriter.proto2().orderedDict().op('(').str("w").floats("0", 4).str("dangling").ops("u")
                .stop()));
        c.put("ordered_dict_one_tuple", archive(PickleWriter.proto2().global("collections", "OrderedDict").op(']').str("a").op(0x85)
                .op('a').op(0x85).op('R').stop()));
        c.put("storage_type_not_a_storage", PickleWriter.archive(PickleWriter.proto2().op('}').str("w")
                .global("torch._utils", "_rebuild_tensor_v2").op('(').op('(').str("storage").global("torch._utils", "_rebuild_tensor_v2")
                .str("0").str("cpu").integer(4).op('t').op('Q').integer(0).ints(4).ints(1).op(0x89).orderedDict().ops("tR")
                .op('s').stop().bytes(), Map.of("0", W4)));
        c.put("storage_entry_missing", PickleWriter.archive(statePickle(), Map.of()));
        c.put("storage_entry_short", PickleWriter.archive(statePickle(), Map.of("0", Arrays.copyOf(W4, 12))));
        c.put("storage_entry_long", PickleWriter.archive(statePickle(), Map.of("0", Arrays.copyOf(W4, 20))));
        c.put("storage_declares_2pow31", PickleWriter.archive(PickleWriter.proto2().orderedDict().str("w")
                .tensor("FloatStorage", "0", Integer.MAX_VALUE, 0, new long[] {4}, new long[] {1}).op('s').stop().bytes(), Map.of("0", W4)));
        c.put("storage_bomb", storageBomb(false));
        c.put("storage_bomb_lying_sizes", storageBomb(true));
        c.put("storage_beyond_deflate_ratio", beyondDeflateRatio());
        c.put("pickle_bomb", pickleBomb(false));
        c.put("pickle_bomb_lying_sizes", pickleBomb(true));
        c.put("protocol4_frame", archive(new PickleWriter().op(0x80).op(4).op(0x95).raw(new byte[] {3, 0, 0, 0, 0, 0, 0, 0}).ops("}.")));
        c.put("stop_with_two_values", archive(PickleWriter.proto2().integer(1).integer(2).stop()));
        c.put("append_below_mark", archive(PickleWriter.proto2().op(']').op('(').integer(1).op('a').op('t').op(0x86).stop()));
        c.put("global_os_system", archive(PickleWriter.proto2().global("os", "system").str("echo pwned").op(0x85).op('R').stop()));
        c.put("bool_key", stateDict(PickleWriter.proto2().orderedDict().op(0x88).floats("0", 4).op('s').stop()));
        c.put("float_value", stateDict(PickleWriter.proto2().orderedDict().str("w").floats("0", 4).op('s').str("lr").op('G')
                .raw(new byte[] {0x3f, (byte) 0xe0, 0, 0, 0, 0, 0, 0}).op('s').stop()));
        c.put("parameter_newobj", stateDict(PickleWriter.proto2().orderedDict().str("w").global("torch.nn.parameter", "Parameter")
                .floats("0", 4).op(0x85).op(0x81).op('s').stop()));
        c.put("persistent_id_not_storage", archive(PickleWriter.proto2().str("module").str("x").op(0x86).op('Q').stop()));
        c.put("key_not_utf8", archive(PickleWriter.proto2().op('}').op('X').int4(2).raw(new byte[] {(byte) 0xC3, 0x28}).integer(1).op('s')
                .stop()));
        c.put("memo_never_stored", archive(PickleWriter.proto2().get(7).stop()));
        c.put("truncated", Arrays.copyOf(c.get("legit_state_dict"), c.get("legit_state_dict").length / 2));
        return c;
    }

    /** Writes every case as NAME.pt into a folder (for torch_verdicts.py). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : all().entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".pt"), e.getValue());
        }
    }

    private static byte[] archive(PickleWriter p) {
        return PickleWriter.archive(p.bytes(), Map.of());
    }

    /** A pickle that uses storage "0" of 4 floats. */
    private static byte[] stateDict(PickleWriter p) {
        return PickleWriter.archive(p.bytes(), Map.of("0", W4));
    }

    private static byte[] statePickle() {
        return PickleWriter.proto2().orderedDict().str("w").floats("0", 4).op('s').stop().bytes();
    }

    private static byte[] oneTensor(long offset, long[] size, long[] stride) {
        return stateDict(PickleWriter.proto2().orderedDict().str("w").tensor("FloatStorage", "0", 4, offset, size, stride).op('s').stop());
    }

    /** Ten lists, each holding ten references to the one before; the first holds ten references to one tensor. */
    private static byte[] billionLaughs() {
        PickleWriter p = PickleWriter.proto2();
        laughs(p, 10);
        return PickleWriter.archive(p.stop().bytes(), Map.of("0", W4));
    }

    /** List number level, written as Python's pickler would: its first element in full, then nine memo references to it. */
    private static void laughs(PickleWriter p, int level) {
        if (level == 0) {
            p.floats("0", 4).put(0);
            return;
        }
        p.op(']').put(level).op('(');
        laughs(p, level - 1);
        for (int i = 1; i < 10; i++) {
            p.get(level - 1);
        }
        p.op('e');
    }

    /** depth empty containers, then depth-1 appends nesting each in the one before. */
    private static byte[] deep(int depth, String open, String close) {
        PickleWriter p = PickleWriter.proto2();
        for (int i = 0; i < depth; i++) {
            p.ops(open);
        }
        for (int i = 1; i < depth; i++) {
            p.ops(close);
        }
        return archive(p.stop());
    }

    private static byte[] deepDicts(int depth) {
        PickleWriter p = PickleWriter.proto2();
        for (int i = 0; i < depth; i++) {
            p.op('}').str("k");
        }
        p.op('}');
        for (int i = 0; i < depth; i++) {
            p.op('s');
        }
        return archive(p.stop());
    }

    private static byte[] deepTuples(int depth) {
        PickleWriter p = PickleWriter.proto2().op(')');
        for (int i = 0; i < depth; i++) {
            p.op(0x85);
        }
        return archive(p.stop());
    }

    /** A state dict of 4 floats whose storage entry is 24 MiB of deflated zeros (about 24 KiB in the file). */
    private static byte[] storageBomb(boolean lie) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", statePickle());
        entries.put("archive/data/0", new byte[24 << 20]);
        entries.put("archive/version", VERSION);
        byte[] z = PickleWriter.zip(entries, Map.of("archive/data/0", true));
        return lie ? PickleWriter.lieAboutSize(z, "archive/data/0", 16) : z;
    }

    /** A storage declaring 1 GiB of floats, with a zip directory that agrees, in a deflated entry of about 100 bytes. */
    private static byte[] beyondDeflateRatio() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", PickleWriter.proto2().orderedDict().str("w")
                .tensor("FloatStorage", "0", 1 << 28, 0, new long[] {1 << 28}, new long[] {1}).op('s').stop().bytes());
        entries.put("archive/data/0", new byte[64 << 10]);
        entries.put("archive/version", VERSION);
        return PickleWriter.lieAboutSize(PickleWriter.zip(entries, Map.of("archive/data/0", true)), "archive/data/0", 1 << 30);
    }

    /** A data.pkl of 24 MiB of deflated EMPTY_LIST opcodes, more than the 16 MiB limit. */
    private static byte[] pickleBomb(boolean lie) {
        byte[] pkl = new byte[24 << 20];
        Arrays.fill(pkl, (byte) ']');
        pkl[0] = (byte) 0x80;
        pkl[1] = 2;
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pkl);
        entries.put("archive/version", VERSION);
        byte[] z = PickleWriter.zip(entries, Map.of("archive/data.pkl", true));
        return lie ? PickleWriter.lieAboutSize(z, "archive/data.pkl", 100) : z;
    }
}
