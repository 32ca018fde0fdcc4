package panface.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Json;
import panface.tensor.io.WeightFileException;

/**
 * The crafted files of {@link HostileTorchFiles}: each is read within a time and allocation bound
 * and either read as torch.load(weights_only=True) reads it (hostile_verdicts.json, written by
 * PyTorch) or refused with a WeightFileException naming the file, what is wrong and where.
 */
class HostileTorchFilesTest {
    /** Generous for files of at most 800 KB whose reads should take milliseconds; a hang or an expansion blows through it. */
    private static final Duration PER_FILE = Duration.ofSeconds(10);
    /** Bytes a single read may allocate: the 24 MiB bombs may inflate at most 16 MiB, the rest is small. */
    private static final long ALLOCATION_LIMIT = 256L << 20;

    @TempDir
    static Path dir;
    private static Map<String, Object> verdicts;

    /** What we refuse though PyTorch 1.13 reads it, and why (each a documented limit or a PyTorch bug). */
    private static final Map<String, String> STRICTER = Map.ofEntries(
            Map.entry("deep_lists", "nest more than 100 levels"),
            Map.entry("deep_dicts", "nest more than 100 levels"),
            Map.entry("deep_tuples", "nest more than 100 levels"),
            Map.entry("bool_key", "only strings and integers are supported as keys"),
            Map.entry("stop_with_two_values", "STOP with 2 values"),
            Map.entry("storage_entry_short", "the entry holds 12 bytes but the storage declares 4 FloatStorage elements"),
            Map.entry("storage_entry_long", "the entry holds 20 bytes but the storage declares 4"),
            Map.entry("storage_declares_2pow31", "storage declares 2147483647 FloatStorage elements"),
            Map.entry("storage_bomb", "the entry holds 25165824 bytes but the storage declares 4"),
            Map.entry("storage_bomb_lying_sizes", "the entry inflates to more than the 16 bytes its storage declares"));

    /** What PyTorch refuses, with the reason we give. */
    private static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("self_list_as_key", "a dict key of type a list"),
            Map.entry("build_on_plain_dict", "BUILD on a dict; only an OrderedDict's attributes"),
            Map.entry("size_2pow32", "dimension 0 has size 4294967296; tensors of more than 2^31-1 elements are not supported"),
            Map.entry("offset_2pow32", "a storage offset of 4294967296"),
            Map.entry("stride_2pow32_plus1", "dimension 0 has stride 4294967297; strides beyond 2^31-1 are not supported"),
            Map.entry("negative_stride", "a negative stride -1 in dimension 0"),
            Map.entry("view_outside_storage", "reaches element 4 of a storage of 4"),
            Map.entry("setitems_odd", "SETITEMS with an odd number (3)"),
            Map.entry("ordered_dict_one_tuple", "not a (key, value) pair"),
            Map.entry("storage_type_not_a_storage", "torch._utils._rebuild_tensor_v2 is not a supported storage type"),
            Map.entry("storage_entry_missing", "archive/data/0 is missing"),
            Map.entry("storage_beyond_deflate_ratio", "cannot hold the 1073741824 bytes its storage declares"),
            Map.entry("pickle_bomb", "larger than the limit of 16777216 bytes (the zip directory says 25165824"),
            Map.entry("pickle_bomb_lying_sizes", "larger than the limit of 16777216 bytes"),
            Map.entry("protocol4_frame", "0x95 FRAME"),
            Map.entry("append_below_mark", "stack underflow (below a MARK)"),
            Map.entry("global_os_system", "global 'os.system' is not allowed"),
            Map.entry("persistent_id_not_storage", "not a ('storage', ...) tuple"),
            Map.entry("key_not_utf8", "not valid UTF-8"),
            Map.entry("memo_never_stored", "memo entry 7 was never stored"),
            Map.entry("truncated", "not a readable zip archive, probably truncated or corrupt"));

    /** PyTorch 1.13 refuses BINFLOAT; later versions implement it, as we do. */
    private static final Map<String, String> NEWER_PYTORCH_READS = Map.of("float_value", "BINFLOAT");

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void writeFiles() throws Exception {
        for (Map.Entry<String, byte[]> e : HostileTorchFiles.all().entrySet()) {
            Files.write(dir.resolve(e.getKey() + ".pt"), e.getValue());
        }
        try (InputStream in = HostileTorchFilesTest.class.getResourceAsStream("/torch/hostile_verdicts.json")) {
            verdicts = (Map<String, Object>) Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)).get("verdicts");
        }
    }

    /** A read's outcome: the weights, or the WeightFileException; anything else fails the test. */
    private record Outcome(WeightFiles.Weights weights, WeightFileException error, long allocated) {
    }

    private static Outcome read(String name) {
        Path file = dir.resolve(name + ".pt");
        return assertTimeoutPreemptively(PER_FILE, () -> {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            try {
                WeightFiles.Weights w = WeightFiles.read(file);
                return new Outcome(w, null, mx.getCurrentThreadAllocatedBytes() - before);
            } catch (WeightFileException e) {
                return new Outcome(null, e, mx.getCurrentThreadAllocatedBytes() - before);
            }
        }, name + " took longer than " + PER_FILE);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyCraftedFileIsReadAsPyTorchReadsItOrRefusedClearly() {
        List<String> problems = new ArrayList<>();
        for (String name : HostileTorchFiles.all().keySet()) {
            try (Scope s = Scope.open()) {
                Map<String, Object> verdict = (Map<String, Object>) verdicts.get(name);
                assertNotNull(verdict, "no PyTorch verdict for " + name + "; rerun torch_verdicts.py");
                boolean torchAccepted = (Boolean) verdict.get("accepted");
                Outcome o = read(name);
                assertTrue(o.allocated() < ALLOCATION_LIMIT, name + " allocated " + o.allocated() + " bytes");
                if (o.error() != null) {
                    String m = o.error().getMessage();
                    assertTrue(m.startsWith(dir.resolve(name + ".pt").toString()), name + ": the message names the file: " + m);
                    String why = torchAccepted ? STRICTER.get(name) : REFUSED.get(name);
                    if (why == null) {
                        problems.add(name + ": refused (" + m + ") but PyTorch " + (torchAccepted ? "reads it" : "refuses it too; list it"));
                    } else if (!m.contains(why)) {
                        problems.add(name + ": expected '" + why + "' in: " + m);
                    }
                    assertFalse(m.contains("internal error"), m);
                } else if (STRICTER.containsKey(name)) {
                    problems.add(name + ": read, but we refuse it on purpose: " + STRICTER.get(name));
                } else if (!torchAccepted && !NEWER_PYTORCH_READS.containsKey(name)) {
                    problems.add(name + ": read, but PyTorch refuses it: " + verdict.get("error"));
                } else if (torchAccepted) {
                    compareTensors(name, (Map<String, Object>) verdict.get("tensors"), o.weights().tensors(), problems);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @SuppressWarnings("unchecked")
    private static void compareTensors(String name, Map<String, Object> torch, Map<String, Tensor> ours, List<String> problems) {
        if (!torch.keySet().equals(ours.keySet())) {
            problems.add(name + ": PyTorch reaches tensors " + torch.keySet() + ", we list " + ours.keySet());
            return;
        }
        for (Map.Entry<String, Object> e : torch.entrySet()) {
            Map<String, Object> t = (Map<String, Object>) e.getValue();
            Tensor mine = ours.get(e.getKey());
            int[] shape = ((List<Object>) t.get("shape")).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
            double[] values = ((List<Object>) t.get("values")).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
            if (!java.util.Arrays.equals(shape, mine.shape()) || !java.util.Arrays.equals(values, mine.toDoubleArray())) {
                problems.add(name + ": tensor " + e.getKey() + " differs from PyTorch's");
            }
        }
    }

    @Test
    void sharedReferencesAreExpandedOnce() {
        try (Scope s = Scope.open()) {
            Outcome o = read("billion_laughs");
            assertEquals(10, o.weights().tensors().size(), "the innermost list's ten references to one tensor");
            assertEquals(81, o.weights().values().size(), "nine later references at each of the nine upper levels");
            assertEquals(new TorchCheckpoint.Reference("0.0.0.0.0.0.0.0.0"), o.weights().values().get("0.0.0.0.0.0.0.0.1"));
        }
    }

    @Test
    void containersThatHoldThemselvesAreListedAsReferences() {
        try (Scope s = Scope.open()) {
            assertEquals(Map.of("0", new TorchCheckpoint.Reference("")), read("self_list").weights().values());
            assertEquals(Map.of("me", new TorchCheckpoint.Reference("")), read("self_dict").weights().values());
        }
    }

    @Test
    void buildSetsAttributesNeverItems() throws Exception {
        try (Scope s = Scope.open()) {
            TorchCheckpoint.Contents c = TorchCheckpoint.read(dir.resolve("build_overwrites_items.pt"));
            assertArrayEquals(new double[] {1, 2, 3, 4}, c.tensors().get("w").toDoubleArray());
            assertEquals(List.of("w"), List.copyOf(c.tensors().keySet()));
            SafeUnpickler.OrderedDict root = (SafeUnpickler.OrderedDict) c.root();
            assertArrayEquals(new double[] {4}, ((Tensor) ((Map<?, ?>) root.attributes()).get("w")).toDoubleArray());
        }
    }

    @Test
    void plainPicklesFoldersAndMissingFilesAreNamedClearly() throws Exception {
        Path selfList = dir.resolve("self_list.pkl");
        Files.write(selfList, new byte[] {(byte) 0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'});
        String m = assertThrows(WeightFileException.class, () -> WeightFiles.read(selfList)).getMessage();
        assertTrue(m.startsWith(selfList + ": a legacy (pre-1.6, non-zip) or plain pickle file"), m);
        assertEquals(dir + ": not a regular file",
                assertThrows(WeightFileException.class, () -> WeightFiles.read(dir)).getMessage());
        Path absent = dir.resolve("absent.pt");
        assertEquals(absent + ": no such file",
                assertThrows(WeightFileException.class, () -> TorchCheckpoint.read(absent)).getMessage());
    }

    @Test
    void refusalsSayWhereInTheFile() {
        try (Scope s = Scope.open()) {
            WeightFileException odd = read("setitems_odd").error();
            assertTrue(odd.location().matches("byte \\d+ of archive/data.pkl, opcode 0x75 SETITEMS"), odd.location());
            WeightFileException big = read("size_2pow32").error();
            assertTrue(big.location().contains("opcode 0x52 REDUCE"), big.location());
            assertTrue(big.getMessage().contains("torch._utils._rebuild_tensor_v2"), big.getMessage());
            assertEquals("archive/data/0", read("storage_entry_short").error().location());
        }
    }
}
