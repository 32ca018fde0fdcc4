package panface.nn.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairListTest {
    @TempDir
    Path dir;

    @Test
    void readsPairsAndEmbedsEachImageOnce() throws Exception {
        Path f = Files.writeString(dir.resolve("pairs.txt"), "# comment\nA/1.jpg  B/1.jpg 0\n\nA/1.jpg\tA/2.jpg\t1\r\nB/1.jpg A/2.jpg 0\n");
        PairList p = PairList.read(f, dir);
        assertEquals(3, p.pairs());
        assertEquals(List.of(dir.resolve("A/1.jpg"), dir.resolve("B/1.jpg"), dir.resolve("A/2.jpg")), p.images());
        assertArrayEquals(new int[] {0, 0, 1}, p.first());
        assertArrayEquals(new int[] {1, 2, 2}, p.second());
        assertArrayEquals(new boolean[] {false, true, false}, p.same());
    }

    @Test
    void badLinesNameTheFileAndLine() throws Exception {
        for (String bad : new String[] {"a b\n", "a b 2\n", "a b 1 extra\n", "a b yes\n"}) {
            Path f = Files.writeString(dir.resolve("p.txt"), "x y 1\n" + bad);
            IOException e = assertThrows(IOException.class, () -> PairList.read(f, dir));
            assertTrue(e.getMessage().startsWith(f + ":2: expected 'IMAGE_A IMAGE_B 0|1'"), e.getMessage());
        }
        Path empty = Files.writeString(dir.resolve("e.txt"), "# nothing\n");
        assertEquals(empty + ": no pairs", assertThrows(IOException.class, () -> PairList.read(empty, dir)).getMessage());
        Path missing = dir.resolve("missing.txt");
        assertEquals(missing + ": no such file", assertThrows(IOException.class, () -> PairList.read(missing, dir)).getMessage());
    }

    @Test
    void farNamesAreDecades() {
        assertEquals("1e-6", PairVerification.farName(1e-6));
        assertEquals("1e-1", PairVerification.farName(0.1));
    }
}
