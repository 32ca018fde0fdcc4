package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ShardTest {

    /**
     * The expected owner of every class comes from dealing the classes out one block at a time:
     * ranks take C / W classes each and the first C mod W one more, in rank order; the record's
     * closed forms must agree with that count for every class.
     */
    @Test
    void shardsPartitionTheClassesInContiguousBlocksAsTheReference() {
        for (int c = 1; c <= 40; c++) {
            for (int w = 1; w <= Math.min(c, 9); w++) {
                int[] owner = new int[c];
                int next = 0;
                for (int r = 0; r < w; r++) {
                    int size = c / w + (r < c % w ? 1 : 0);
                    for (int j = 0; j < size; j++) {
                        owner[next++] = r;
                    }
                }
                assertEquals(c, next);
                for (int r = 0; r < w; r++) {
                    Shard s = Shard.of(c, w, r);
                    for (int j = 0; j < c; j++) {
                        assertEquals(owner[j] == r, s.contains(j), "C=" + c + " W=" + w + " r=" + r + " class " + j);
                        assertEquals(owner[j], Shard.owner(c, w, j), "owner of class " + j + " with C=" + c + " W=" + w);
                    }
                }
            }
        }
    }

    @Test
    void numSampleTruncatesAsTheReference() {
        Shard s = Shard.of(10, 3, 0);
        assertEquals(4, s.numLocal());
        assertEquals(1, s.numSample(0.3));
        assertEquals(4, s.numSample(1.0));
        assertEquals(0, Shard.of(10, 3, 2).classStart() - 7);
    }

    @Test
    void refusesMoreRanksThanClasses() {
        assertThrows(IllegalArgumentException.class, () -> Shard.of(3, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> Shard.of(8, 4, 4));
    }
}
