package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import panface.nn.data.FaceDataset;

/**
 * The few-shot protocol: ceil(fraction * identities) identities, each with exactly k of its own
 * images, only identities that have k; relabelled 0..n-1 in the order of the original labels; the
 * same seed draws the same samples, another seed others.
 */
class FewShotDatasetTest {
    /** 20 identities; identity i has 1 + i % 6 images; sample bytes name the identity. */
    private static final class Toy implements FaceDataset {
        final int[] labels;

        Toy() {
            java.util.List<Integer> l = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                for (int k = 0; k < 1 + i % 6; k++) {
                    l.add(i);
                }
            }
            labels = l.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public int size() {
            return labels.length;
        }

        @Override
        public int numClasses() {
            return 20;
        }

        @Override
        public EncodedSample read(int i) {
            return new EncodedSample(labels[i], new byte[] {(byte) labels[i]});
        }

        @Override
        public void close() {
        }
    }

    @Test
    void drawsTheProtocolsSubsetDeterministically() throws IOException {
        Toy toy = new Toy();
        FewShotDataset a = FewShotDataset.of(toy, 0.1, 4, 7);
        assertEquals(2, a.numClasses(), "ceil(0.1 * 20)");
        assertEquals(8, a.size());
        Map<Long, Set<Integer>> byLabel = new HashMap<>();
        Map<Long, Integer> original = new HashMap<>();
        for (int i = 0; i < a.size(); i++) {
            FaceDataset.EncodedSample s = a.read(i);
            int src = a.source(i);
            assertEquals(toy.labels[src], s.image()[0], "the image is the source sample's");
            assertTrue(1 + toy.labels[src] % 6 >= 4, "only identities with >= 4 images");
            byLabel.computeIfAbsent(s.label(), k -> new HashSet<>()).add(src);
            Integer prev = original.put(s.label(), toy.labels[src]);
            assertTrue(prev == null || prev == toy.labels[src], "one identity per new label");
        }
        assertEquals(Set.of(0L, 1L), byLabel.keySet());
        byLabel.values().forEach(v -> assertEquals(4, v.size(), "4 distinct images each"));
        assertTrue(original.get(0L) < original.get(1L), "relabelled in the order of the original labels");

        FewShotDataset again = FewShotDataset.of(toy, 0.1, 4, 7);
        int[] sa = new int[a.size()];
        int[] sb = new int[a.size()];
        for (int i = 0; i < sa.length; i++) {
            sa[i] = a.source(i);
            sb[i] = again.source(i);
        }
        assertArrayEquals(sa, sb, "the seed decides");
        boolean differs = false;
        for (long seed = 8; seed < 12 && !differs; seed++) {
            FewShotDataset other = FewShotDataset.of(toy, 0.1, 4, seed);
            for (int i = 0; i < sa.length; i++) {
                differs |= other.source(i) != sa[i];
            }
        }
        assertTrue(differs, "other seeds draw other samples");

        FewShotDataset all = FewShotDataset.of(toy, 1.0, 0, 1);
        assertEquals(20, all.numClasses());
        assertEquals(toy.size(), all.size(), "k = 0 keeps every image");
        assertThrows(IllegalArgumentException.class, () -> FewShotDataset.of(toy, 0.5, 6, 1), "only 3 identities have 6 images");
        assertFalse(FewShotDataset.of(toy, 0.05, 1, 1).size() != 1);
    }
}
