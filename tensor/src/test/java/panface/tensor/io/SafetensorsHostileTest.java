package panface.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.Scope;
import panface.tensor.Tensor;

/** Crafted safetensors files: each is refused with a WeightFileException naming the file, what is wrong and where, and leaves nothing mapped. */
class SafetensorsHostileTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path p = dir.resolve(name + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        return file(name, header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    private static WeightFileException refused(Path p, String why, String where) {
        WeightFileException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(WeightFileException.class,
                () -> Safetensors.open(p)));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        if (where != null) {
            assertEquals(where, e.location());
        }
        return e;
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutExhaustingTheStack() throws IOException {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        refused(file("deep", deep, 0), "nest more than 128 levels deep", "the JSON header");
    }

    @Test
    void shapesWhoseByteSizeOverflowsAreRefused() throws IOException {
        refused(file("overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}}", 0),
                "has more than 2^31-1 elements; tensors that large are not supported", "header entry 'a'");
        refused(file("big", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,0]}}", 0),
                "more than 2^31-1 elements", "header entry 'a'");
    }

    @Test
    void entriesWithMissingOrMistypedFieldsAreRefused() throws IOException {
        refused(file("nodtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "no \"dtype\" string", "header entry 'a'");
        refused(file("noshape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "no \"shape\" list", "header entry 'a'");
        refused(file("offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "no \"data_offsets\" pair", null);
        refused(file("reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4), "not an increasing pair", null);
        refused(file("negdim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "not a non-negative integer", null);
        refused(file("notobj", "{\"a\":3}", 0), "the entry is not an object", "header entry 'a'");
        refused(file("meta", "{\"__metadata__\":{\"k\":1}}", 0), "the value of 'k' is not a string", "header key '__metadata__'");
        refused(file("array", "[1]", 0), "expected a JSON object", "the JSON header");
    }

    @Test
    void theDataMustBeTiledExactlyAsTheSafetensorsLibraryRequires() throws IOException {
        String t = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]}}";
        refused(file("gap", String.format(t, 0, 4, 8, 12), 12), "a gap: these bytes belong to no tensor", null);
        refused(file("overlap", String.format(t, 0, 4, 2, 6), 6), "overlaps that of 'a'", "header entry 'b'");
        refused(file("trailing", String.format(t, 0, 4, 4, 8), 9), "1 bytes after the last tensor's data belong to no tensor", null);
        refused(file("outside", String.format(t, 0, 4, 4, 8), 6), "reach outside the 6 data bytes", "header entry 'b'");
        refused(file("late", String.format(t, 4, 8, 8, 12), 12), "a gap", null);
    }

    @Test
    void headerBytesAndBooleansAreChecked() throws IOException {
        byte[] h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"\u00e9\":1}".getBytes(StandardCharsets.UTF_8);
        h[h.length - 5] = (byte) 0xFF;
        refused(file("utf8", h, 0), "not valid UTF-8", null);
        Path bool = file("bool", "{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3);
        byte[] bytes = Files.readAllBytes(bool);
        bytes[bytes.length - 2] = 2;
        Files.write(bool, bytes);
        refused(bool, "a BOOL byte 2 that is neither 0 nor 1", null);
        refused(file("dtype", "{\"a\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unsupported safetensors dtype 'F8'",
                "header entry 'a'");
    }

    @Test
    void missingAndEmptyFilesAreNamed() throws IOException {
        WeightFileException e = assertThrows(WeightFileException.class, () -> Safetensors.open(dir.resolve("absent.safetensors")));
        assertTrue(e.getMessage().endsWith("absent.safetensors: no such file"), e.getMessage());
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        refused(empty, "only 0 bytes", null);
        Path lying = dir.resolve("lying.safetensors");
        Files.write(lying, ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put((byte) '{').put((byte) '}').array());
        refused(lying, "header length 1000 for a file of 10 bytes", "bytes 0-7");
    }

    @Test
    void failedOpensLeaveNothingMapped() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs /proc/self/maps to count the process's mappings");
        String deep = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        Path[] bad = {
            file("m_deep", deep, 0),
            file("m_gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
            file("m_json", "{\"a\":", 16),
        };
        for (int i = 0; i < 200; i++) {
            Path p = bad[i % bad.length];
            assertThrows(WeightFileException.class, () -> Safetensors.open(p));
        }
        String mapped = Files.readString(maps);
        for (Path p : bad) {
            assertTrue(!mapped.contains(p.toString()), p + " is still mapped after its failed opens");
        }
    }

    @Test
    void aValidFileStillReads() throws IOException {
        try (Scope s = Scope.open()) {
            Path p = dir.resolve("ok.safetensors");
            Safetensors.save(p, Map.of("a", Tensor.of(new float[] {1, 2}), "e", Tensor.of(new float[0])), Map.of("k", "v"));
            assertEquals(2, Safetensors.load(p).size());
        }
    }
}
