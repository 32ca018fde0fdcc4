package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.nn.data.FaceDataset;
import panface.nn.data.RecordDataset;

/** {@code pack}: insightface's layout, checked byte by byte for the header and through the reader for the rest. */
class PackCommandTest {
    private ConsoleCapture console;
    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        console = ConsoleCapture.start();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    private static byte[] image(int size, int rgb, String format) throws Exception {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    @Test
    void packsAnImageFolderInInsightfaceLayout() throws Exception {
        Path in = dir.resolve("faces");
        Files.createDirectories(in.resolve("bob"));
        Files.createDirectories(in.resolve("alice"));
        byte[] aliceJpeg = image(112, 0x336699, "jpeg");
        Files.write(in.resolve("alice/1.jpg"), aliceJpeg);
        Files.write(in.resolve("bob/b.png"), image(20, 0xFF0000, "png"));
        Files.write(in.resolve("bob/a.jpg"), image(112, 0x00FF00, "jpeg"));
        Files.writeString(in.resolve("bob/notes.txt"), "not an image");
        Path rec = dir.resolve("out/train.rec");
        assertEquals(0, Main.run(new String[] {"pack", in.toString(), rec.toString()}), console.err());
        assertTrue(console.out().contains("3 images of 2 identities (1 re-encoded"), console.out());
        assertEquals("2,112,112\n", Files.readString(dir.resolve("out/property")));
        assertEquals("0\t0\n", Files.readString(dir.resolve("out/train.idx")).substring(0, 4));

        // the header record, by hand: magic, lrec (flag 0, 32 bytes), IRHeader(2, 0.0, 0, 1), labels [4.0, 6.0]
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(rec)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xCED7230A, b.getInt(0));
        assertEquals(32, b.getInt(4));
        assertEquals(2, b.getInt(8));
        assertEquals(0f, b.getFloat(12));
        assertEquals(0L, b.getLong(16));
        assertEquals(1L, b.getLong(24));
        assertEquals(4f, b.getFloat(32));
        assertEquals(6f, b.getFloat(36));

        try (RecordDataset ds = RecordDataset.open(rec)) {
            assertTrue(ds.hasHeader());
            assertEquals(3, ds.size());
            assertEquals(2, ds.numClasses());
            FaceDataset.EncodedSample alice = ds.read(0);
            assertEquals(0, alice.label());
            assertArrayEquals(aliceJpeg, alice.image(), "a 112 x 112 JPEG is stored unchanged");
            assertEquals(1, ds.read(1).label());
            assertEquals(1, ds.read(2).label());
            BufferedImage red = ImageIO.read(new java.io.ByteArrayInputStream(ds.read(2).image()));
            assertEquals(112, red.getWidth());
            // JPEG of a flat colour: within a few levels
            assertTrue(((red.getRGB(50, 50) >> 16) & 0xFF) > 240, "bob/b.png re-encoded, still red");
            assertArrayEquals(new float[] {1, 2}, panface.nn.data.ImageRecord.unpack(ds.reader().read(4)).labels());
            assertArrayEquals(new float[] {2, 4}, panface.nn.data.ImageRecord.unpack(ds.reader().read(5)).labels());
            assertEquals(5, panface.nn.data.ImageRecord.unpack(ds.reader().read(5)).id());
        }
    }

    @Test
    void refusesBadArguments() {
        assertEquals(2, Main.run(new String[] {"pack", dir.toString()}));
        assertEquals(2, Main.run(new String[] {"pack", dir.toString(), dir.resolve("x.txt").toString()}));
        assertEquals(2, Main.run(new String[] {"pack", dir.toString(), dir.resolve("inside.rec").toString()}));
        assertTrue(Main.run(new String[] {"pack", dir.resolve("missing").toString(), dir.resolve("never.rec").toString()}) != 0);
    }
}
