package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code file: the byte layout written out by hand, a round trip, and refusal of malformed files. */
class IdentityCodesTest {
    @TempDir
    Path dir;

    @Test
    void layoutAndRoundTrip() throws IOException {
        IdentityCodes c = new IdentityCodes(5, 2, new int[] {0, 4, 3, 1, 0, 4});
        assertEquals(1, c.collisions());
        Path f = dir.resolve("codes.gifc");
        c.write(f);
        ByteBuffer want = ByteBuffer.allocate(24 + 24).order(ByteOrder.LITTLE_ENDIAN);
        want.put(new byte[] {'G', 'I', 'F', 'C'}).putInt(1).putInt(5).putInt(2).putLong(3);
        for (int t : new int[] {0, 4, 3, 1, 0, 4}) {
            want.putInt(t);
        }
        assertArrayEquals(want.array(), Files.readAllBytes(f));
        IdentityCodes back = IdentityCodes.read(f);
        assertEquals(5, back.k());
        assertEquals(2, back.l());
        assertArrayEquals(c.tokens(), back.tokens());
    }

    @Test
    void malformedFilesAreRefused() throws IOException {
        Path f = dir.resolve("codes.gifc");
        new IdentityCodes(5, 2, new int[] {0, 4, 3, 1}).write(f);
        byte[] good = Files.readAllBytes(f);
        assertRefused(Arrays.copyOf(good, good.length - 1));
        assertRefused(Arrays.copyOf(good, good.length + 4));
        assertRefused(Arrays.copyOf(good, 10));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertRefused(magic);
        byte[] token = good.clone();
        token[24 + 4] = 5;
        assertRefused(token);
        byte[] negative = good.clone();
        negative[24 + 7] = (byte) 0x80;
        assertRefused(negative);
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE / 2);
        assertRefused(huge);
        byte[] k1 = good.clone();
        ByteBuffer.wrap(k1).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1);
        assertRefused(k1);
        byte[] l0 = good.clone();
        ByteBuffer.wrap(l0).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0);
        assertRefused(l0);
        byte[] version = good.clone();
        version[4] = 2;
        assertRefused(version);
    }

    private void assertRefused(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.gifc");
        Files.write(f, bytes);
        assertThrows(IOException.class, () -> IdentityCodes.read(f));
    }
}
