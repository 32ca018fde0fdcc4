package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** PyTorch DistributedSampler's padding and interleaving, written out here from its source. */
class DistributedSamplerTest {

    @Test
    void ranksTakeInterleavedSharesOfThePaddedPermutation() {
        int n = 10;
        int world = 4;
        int[] perm = new DistributedSampler(n, 0, world, 42, true).permutation(3);
        // torch: num_samples = ceil(10 / 4) = 3, total 12, indices += indices[:2], rank r takes indices[r:12:4]
        int[] padded = Arrays.copyOf(perm, 12);
        padded[10] = perm[0];
        padded[11] = perm[1];
        for (int r = 0; r < world; r++) {
            DistributedSampler s = new DistributedSampler(n, r, world, 42, true);
            assertEquals(3, s.numSamples());
            assertArrayEquals(new int[] {padded[r], padded[r + 4], padded[r + 8]}, s.indices(3), "rank " + r);
            assertArrayEquals(perm, s.permutation(3), "every rank shuffles the same way");
        }
        int[] sorted = perm.clone();
        Arrays.sort(sorted);
        int[] identity = new int[n];
        Arrays.setAll(identity, i -> i);
        assertArrayEquals(identity, sorted, "a permutation");
        assertNotEquals(Arrays.toString(perm), Arrays.toString(new DistributedSampler(n, 0, world, 42, true).permutation(4)),
                "a new shuffle each epoch");
        assertArrayEquals(identity, new DistributedSampler(n, 0, 1, 42, false).indices(5));
    }

    @Test
    void paddingRepeatsWhenTheDatasetIsSmallerThanTheWorld() {
        // torch: 3 samples, 8 ranks: total 8, indices repeated ceil(8/3) times then cut -> [p0 p1 p2 p0 p1 p2 p0 p1]
        int[] perm = new DistributedSampler(3, 0, 8, 1, true).permutation(0);
        for (int r = 0; r < 8; r++) {
            assertArrayEquals(new int[] {perm[r % 3]}, new DistributedSampler(3, r, 8, 1, true).indices(0));
        }
    }
}
