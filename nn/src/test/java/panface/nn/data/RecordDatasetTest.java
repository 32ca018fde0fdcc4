package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import panface.nn.infer.RgbDecoder;

/**
 * Reads the files make_fixtures.py wrote in insightface's and im2rec's layouts. Expected values
 * come from the script's definitions (which keys hold which class, the pixel formula), not from
 * our reader.
 */
class RecordDatasetTest {

    /** Classes of image keys 1..6 in the insightface fixture (script: classes = [[1, 2], [3], [4, 5, 6]]). */
    private static final long[] INSIGHTFACE_LABELS = {0, 0, 1, 2, 2, 2};

    @Test
    void insightfaceLayoutHeaderRangesAndSplitRecord() throws IOException, NoSuchAlgorithmException {
        Path rec = Fixtures.resource("insightface.rec");
        String before = sha(rec);
        try (RecordDataset ds = RecordDataset.open(rec); RgbDecoder dec = new RgbDecoder()) {
            assertTrue(ds.hasHeader());
            assertEquals(6, ds.size());
            assertEquals(3, ds.numClasses());
            for (int i = 0; i < 6; i++) {
                assertEquals(i + 1, ds.key(i));
                FaceDataset.EncodedSample s = ds.read(i);
                assertEquals(INSIGHTFACE_LABELS[i], s.label(), "label of key " + (i + 1));
                RgbDecoder.Rgb rgb = dec.decode(s.image(), "key " + (i + 1));
                assertEquals(4, rgb.width());
                assertEquals(3, rgb.height());
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 4; x++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals(Fixtures.pixel((int) INSIGHTFACE_LABELS[i], i + 1, c, x, y),
                                    rgb.pixels()[(y * 4 + x) * 3 + c] & 0xFF, "key " + (i + 1) + " pixel " + x + "," + y + " channel " + c);
                        }
                    }
                }
            }
            ImageRecord header = ImageRecord.unpack(ds.reader().read(0));
            assertEquals(2, header.flag());
            assertArrayEquals(new float[] {7, 10}, header.labels());
            assertEquals(1, header.id2());
            assertEquals(0, header.image().length);
            // identity record of class 2: images [4, 7)
            assertArrayEquals(new float[] {4, 7}, ImageRecord.unpack(ds.reader().read(9)).labels());
            byte[] split = ds.reader().read(5);
            assertEquals(2, count(split, new byte[] {0x0A, 0x23, (byte) 0xD7, (byte) 0xCE}), "both magic words put back");
        }
        assertEquals(before, sha(rec), "reading never changes the file");
    }

    @Test
    void im2recLayoutWithoutHeaderUsesEveryKeyInIndexOrder() throws IOException {
        try (RecordDataset ds = RecordDataset.open(Fixtures.resource("im2rec.rec")); RgbDecoder dec = new RgbDecoder()) {
            assertFalse(ds.hasHeader());
            // script: order = [3, 0, 4, 1, 2], labels = {0: 1, 1: 0, 2: 2, 3: 1, 4: 0}
            long[] keys = {3, 0, 4, 1, 2};
            long[] labels = {1, 1, 0, 0, 2};
            assertEquals(5, ds.size());
            assertEquals(3, ds.numClasses(), "no property file: one more than the largest label");
            for (int i = 0; i < 5; i++) {
                assertEquals(keys[i], ds.key(i));
                FaceDataset.EncodedSample s = ds.read(i);
                assertEquals(labels[i], s.label());
                RgbDecoder.Rgb rgb = dec.decode(s.image(), "k");
                assertEquals(Fixtures.pixel((int) labels[i], (int) keys[i], 1, 0, 0), rgb.pixels()[1] & 0xFF);
            }
            ImageRecord arrayLabel = ImageRecord.unpack(ds.reader().read(4));
            assertEquals(2, arrayLabel.flag());
            assertArrayEquals(new float[] {0f, 7.5f}, arrayLabel.labels());
        }
    }

    @Test
    void ourWriterReproducesTheIndependentFilesByteForByte() throws IOException {
        for (String base : new String[] {"insightface", "im2rec"}) {
            Path dir = Files.createTempDirectory("rec");
            try (RecordIoReader in = RecordIoReader.open(Fixtures.resource(base + ".rec"))) {
                Path out = dir.resolve(base + ".rec");
                try (RecordIoWriter w = RecordIoWriter.create(out)) {
                    for (int i = 0; i < in.index().size(); i++) {
                        w.write(in.index().key(i), in.read(in.index().key(i)));
                    }
                    assertEquals(base.equals("insightface") ? 1 : 0, w.splitRecords());
                }
                assertArrayEquals(Files.readAllBytes(Fixtures.resource(base + ".rec")), Files.readAllBytes(out), base + ".rec");
                assertArrayEquals(Files.readAllBytes(Fixtures.resource(base + ".idx")), Files.readAllBytes(RecordIoReader.idxOf(out)),
                        base + ".idx");
            }
        }
    }

    @Test
    void writerSplitsOnlyAtAlignedMagicAndReaderJoinsAnyNumberOfParts() throws IOException {
        Path rec = Files.createTempDirectory("rec").resolve("t.rec");
        byte[] m = {0x0A, 0x23, (byte) 0xD7, (byte) 0xCE};
        byte[][] payloads = {
            {},
            {1, 2, 3},
            concat(m),
            concat(m, m, m),
            concat(new byte[] {9}, m, new byte[] {7, 7, 7}),
            concat(new byte[] {1, 2, 3, 4}, m, new byte[] {5}, m, new byte[] {6, 6}),
        };
        try (RecordIoWriter w = RecordIoWriter.create(rec)) {
            for (int i = 0; i < payloads.length; i++) {
                w.write(i, payloads[i]);
            }
            assertEquals(3, w.splitRecords(), "the magic at offset 1 is not 4-aligned and is stored as is");
        }
        try (RecordIoReader r = RecordIoReader.open(rec)) {
            for (int i = 0; i < payloads.length; i++) {
                assertArrayEquals(payloads[i], r.read(i), "record " + i);
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int count(byte[] hay, byte[] needle) {
        int n = 0;
        for (int i = 0; i + needle.length <= hay.length; i++) {
            boolean eq = true;
            for (int j = 0; j < needle.length && eq; j++) {
                eq = hay[i + j] == needle[j];
            }
            n += eq ? 1 : 0;
        }
        return n;
    }

    private static String sha(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
