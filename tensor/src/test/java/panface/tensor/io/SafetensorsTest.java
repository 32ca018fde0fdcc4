package panface.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.DType;
import panface.tensor.Tensor;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtype() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.of(new float[] {1.5f, -2f, 3f, 4f}, 2, 2));
        in.put("f64", Tensor.of(new double[] {Math.PI}, 1));
        in.put("bf16", Tensor.of(new float[] {0.1f, 7f}).to(DType.BF16));
        in.put("f16", Tensor.of(new float[] {0.1f, 7f}).to(DType.F16));
        in.put("i32", Tensor.of(new int[] {-3, 9}));
        in.put("i64", Tensor.of(new long[] {1L << 40}));
        in.put("bool", Tensor.of(new boolean[] {true, false, true}));
        in.put("scalar", Tensor.scalar(2.5, DType.F64));
        in.put("transposed", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1));
        Path p = dir.resolve("t.safetensors");
        Safetensors.save(p, in, Map.of("op", "test"));
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertEquals(List.copyOf(in.keySet()), r.names());
            assertEquals("test", r.metadata().get("op"));
            for (String k : in.keySet()) {
                Tensor want = in.get(k);
                Tensor got = r.tensor(k);
                assertEquals(want.dtype(), got.dtype(), k);
                assertArrayEquals(want.shape(), got.shape(), k);
                assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), k);
            }
            assertEquals(1L << 40, r.tensor("i64").toLongArray()[0]);
        }
    }

    @Test
    void rejectsCorruptFilesWithAClearError() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(tiny)).getMessage().contains("only 3 bytes"));

        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(huge)).getMessage().contains("header length"));

        Path badJson = write("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", 8);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(badJson)).getMessage().contains("corrupt"));

        Path outside = write("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(outside)).getMessage().contains("outside"));

        Path wrongSize = write("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(wrongSize)).getMessage().contains("needs 12 bytes"));

        Path overlap = write("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(overlap)).getMessage().contains("overlap"));

        Path dtype = write("{\"a\": {\"dtype\": \"U8X\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 2);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.open(dtype)).getMessage().contains("unsupported safetensors dtype"));
    }

    private Path write(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }
}
