package panface.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.layers.Linear;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** The PyTorch checkpoint reader on files written by real PyTorch (make_torch_files.py). */
class TorchCheckpointTest {

    private static Path file(String name) throws Exception {
        return Path.of(TorchCheckpointTest.class.getResource("/torch/" + name).toURI());
    }

    @Test
    void readsAPlainStateDict() throws Exception {
        WeightFiles.Weights w = WeightFiles.read(file("plain.pt"));
        assertEquals(WeightFiles.Format.PYTORCH, w.format());
        assertEquals(java.util.List.of("conv1.weight", "bn1.running_var", "bn1.num_batches_tracked"), java.util.List.copyOf(w.tensors().keySet()));
        Tensor conv = w.tensors().get("conv1.weight");
        assertEquals(DType.F32, conv.dtype());
        assertArrayEquals(new int[] {2, 3, 2, 2}, conv.shape());
        assertEquals(2.3, conv.getDouble(1, 2, 1, 1), 1e-6);
        assertEquals(7L, w.tensors().get("bn1.num_batches_tracked").toLongArray()[0]);
    }

    @Test
    void readsNestedDictsDtypesViewsAndSharedStorages() throws Exception {
        WeightFiles.Weights w = WeightFiles.read(file("nested.pt"));
        Map<String, Tensor> t = w.tensors();
        Tensor a = t.get("state_dict.a");
        Tensor b = t.get("state_dict.b");
        Tensor c = t.get("state_dict.c");
        assertSame(a.storage(), b.storage(), "views of one storage share it");
        assertSame(a.storage(), c.storage());
        assertArrayEquals(new double[] {5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, b.toDoubleArray());
        assertArrayEquals(new int[] {5, 4}, c.shape());
        assertEquals(a.getDouble(2, 3), c.getDouble(3, 2));
        assertEquals(DType.F16, t.get("state_dict.half").dtype());
        assertArrayEquals(new double[] {0.5, -2.0, 65504.0}, t.get("state_dict.half").toDoubleArray());
        assertEquals(DType.BF16, t.get("state_dict.bf16").dtype());
        assertEquals(-0.10009765625, t.get("state_dict.bf16").toDoubleArray()[2]);
        assertArrayEquals(new boolean[] {true, false, true}, t.get("state_dict.mask").toBooleanArray());
        assertArrayEquals(new long[] {1, -2, 3, 1L << 40}, t.get("state_dict.ids").toLongArray());
        assertArrayEquals(new long[] {7, -8}, t.get("state_dict.i32").toLongArray());
        assertEquals(3L, w.values().get("epoch"));
        assertEquals(0.125, w.values().get("lr"));
        assertEquals("iresnet50", w.values().get("name"));
        assertEquals(Boolean.TRUE, w.values().get("flags.0"));
        assertTrue(WeightFiles.stateDict(file("nested.pt")).containsKey("a"), "tensors all under state_dict are unwrapped");
    }

    @Test
    void aStateDictsMetadataIsAnAttributeNotAnEntry() throws Exception {
        try (panface.tensor.Scope s = panface.tensor.Scope.open()) {
            TorchCheckpoint.Contents c = TorchCheckpoint.read(file("linear.pt"));
            assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(c.tensors().keySet()));
            assertEquals(Map.of(), c.values(), "nn.Module.state_dict() sets _metadata with BUILD, as an attribute");
            assertTrue(((SafeUnpickler.OrderedDict) c.root()).attributes().containsKey("_metadata"));
        }
    }

    @Test
    void loadsIntoAModule() throws Exception {
        Linear lin = new Linear(3, 2, true, new Generator(1));
        lin.loadStateDict(WeightFiles.stateDict(file("linear.pt")), true);
        assertEquals(2, lin.bias().data().numel());
    }

    @Test
    void readsTrainingOptionsSavedAsAnArgparseNamespace() throws Exception {
        WeightFiles.Weights w = WeightFiles.read(file("with_args.pt"));
        assertEquals(0.1, w.values().get("args.lr"));
        assertEquals("vit", w.values().get("args.arch"));
        assertEquals(2L, w.values().get("args.layers.1"));
        assertEquals(0.5, w.values().get("args.nested.beta"));
        assertEquals(Boolean.TRUE, w.values().get("args.flag"));
        assertEquals(4L, w.values().get("epoch"));
        Map<String, Tensor> sd = WeightFiles.stateDict(file("with_args.pt"));
        assertArrayEquals(new double[] {1.5, 2.5}, sd.get("bn1.running_var").toDoubleArray());
    }

    @Test
    void refusesAnythingThatWouldRunCode() throws Exception {
        IOException e1 = assertThrows(IOException.class, () -> WeightFiles.read(file("evil_os_system.pt")));
        assertTrue(e1.getMessage().contains("'posix.system' is not allowed") || e1.getMessage().contains("system' is not allowed"),
                e1.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> WeightFiles.read(file("evil_eval.pt")));
        assertTrue(e2.getMessage().contains("eval' is not allowed"), e2.getMessage());
    }

    @Test
    void refusesOtherFormatsClearly() throws Exception {
        assertTrue(assertThrows(IOException.class, () -> WeightFiles.read(file("legacy.pt"))).getMessage().contains("legacy"));
        assertTrue(assertThrows(IOException.class, () -> WeightFiles.read(file("not_a_checkpoint.pt"))).getMessage()
                .contains("neither a safetensors file nor a PyTorch checkpoint"));
        assertTrue(assertThrows(IOException.class, () -> WeightFiles.read(Path.of("no/such/file.pt"))).getMessage().contains("no such file"));
    }
}
