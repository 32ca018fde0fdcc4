package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged copies of the fixtures fail with the file, the record key and the byte offset. */
class CorruptRecordTest {
    @TempDir
    Path dir;

    @Test
    void truncatedFileNamesTheLastRecord() throws IOException {
        Path rec = Fixtures.copy("im2rec", dir);
        // key 2 is the last line of im2rec.idx, at offset 528
        try (RandomAccessFile f = new RandomAccessFile(rec.toFile(), "rw")) {
            f.setLength(f.length() - 20);
        }
        // without a property file, opening reads every label and meets the damage
        RecordIoException e = assertThrows(RecordIoException.class, () -> RecordDataset.open(rec));
        assertEquals(2, e.key());
        assertEquals(528, e.offset());
        assertTrue(e.getMessage().contains(rec.toString()) && e.getMessage().contains("key 2") && e.getMessage().contains("528")
                && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void damagedMagicNamesRecordAndOffset() throws IOException {
        Path rec = Fixtures.copy("insightface", dir);
        flip(rec, 296);  // key 3 starts at 296 (insightface.idx)
        try (RecordDataset ds = RecordDataset.open(rec)) {
            RecordIoException e = assertThrows(RecordIoException.class, () -> ds.read(2));
            assertEquals(3, e.key());
            assertEquals(296, e.offset());
            assertTrue(e.getMessage().contains("magic"), e.getMessage());
        }
    }

    @Test
    void brokenSplitRecordIsNotSilentlyJoined() throws IOException {
        Path rec = Fixtures.copy("insightface", dir);
        // key 5 at 560 is split in three parts; the second part's lrec word is at 560 + 8 + 68 + 4
        long second = 560 + 8 + 68;
        byte[] b = Files.readAllBytes(rec);
        b[(int) second + 7] = 0;  // continuation flag 2 -> 0 (a whole record in the middle of a split one)
        Files.write(rec, b);
        try (RecordIoReader r = RecordIoReader.open(rec)) {
            RecordIoException e = assertThrows(RecordIoException.class, () -> r.read(5));
            assertEquals(second, e.offset());
            assertTrue(e.getMessage().contains("part 2"), e.getMessage());
        }
    }

    @Test
    void lengthPastTheEndAndBadPayloadAndBadIndex() throws IOException {
        Path rec = Fixtures.copy("insightface", dir);
        byte[] b = Files.readAllBytes(rec);
        b[40 + 6] = 0x10;  // key 1's length gets 2^20 more bytes than the file holds
        b[168 + 8] = 0x7F;  // key 2's image-record flag claims 127 float labels
        Files.write(rec, b);
        try (RecordIoReader r = RecordIoReader.open(rec)) {
            RecordIoException e = assertThrows(RecordIoException.class, () -> r.read(1));
            assertEquals(40, e.offset());
        }
        try (RecordDataset ds = RecordDataset.open(rec)) {
            RecordIoException e = assertThrows(RecordIoException.class, () -> ds.read(1));
            assertEquals(2, e.key());
            assertEquals(168, e.offset());
            assertTrue(e.getMessage().contains("127 float32 labels"), e.getMessage());
        }
        Files.writeString(RecordIoReader.idxOf(rec), "0\t0\n1\tforty\n");
        RecordIoException e = assertThrows(RecordIoException.class, () -> RecordIoReader.open(rec));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertEquals(4, e.offset());
    }

    private static void flip(Path rec, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(rec.toFile(), "rw")) {
            f.seek(at);
            int v = f.read();
            f.seek(at);
            f.write(v ^ 0xFF);
        }
    }
}
