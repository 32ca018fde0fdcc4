package panface.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import panface.nn.data.Batch;

/** The generated identities: deterministic per seed and position, epochs, and held-out identities apart from the training ones. */
class SyntheticIdentitiesTest {

    @Test
    void aBatchDependsOnlyOnTheSeedAndItsPosition() {
        List<Batch> straight = new ArrayList<>();
        try (SyntheticIdentities a = new SyntheticIdentities(7, 3, 4, 11)) {
            for (int p = 0; p < 8; p++) {
                straight.add(a.next());
            }
            assertEquals(8, a.position());
        }
        // a fresh source sought to any position returns that position's batch, whatever came before
        try (SyntheticIdentities b = new SyntheticIdentities(7, 3, 4, 11)) {
            for (int p : new int[] {6, 2, 7, 0, 5}) {
                b.seek(p);
                Batch got = b.next();
                assertArrayEquals(straight.get(p).labels(), got.labels(), "labels of batch " + p);
                assertArrayEquals(straight.get(p).images(), got.images(), "images of batch " + p);
                assertEquals(p + 1, b.position());
            }
        }
        try (SyntheticIdentities other = new SyntheticIdentities(7, 3, 4, 12)) {
            assertFalse(Arrays.equals(straight.get(0).images(), other.next().images()), "another seed, other images");
        }
    }

    @Test
    void partnersAreOtherImagesOfTheSameIdentitiesAndLeaveThePositionAlone() {
        try (SyntheticIdentities a = new SyntheticIdentities(6, 3, 4, 5)) {
            a.seek(2);
            Batch batch = a.next();
            Batch other = a.partners(2, 1);
            assertEquals(3, a.position());
            assertArrayEquals(batch.labels(), other.labels());
            int plane = batch.images().length / 4;
            for (int n = 0; n < 4; n++) {
                assertFalse(Arrays.equals(Arrays.copyOfRange(batch.images(), n * plane, (n + 1) * plane),
                        Arrays.copyOfRange(other.images(), n * plane, (n + 1) * plane)), "row " + n + " is another image");
            }
            // a shift by the images per identity goes round to the same image
            assertArrayEquals(batch.images(), a.partners(2, 3).images());
        }
    }

    @Test
    void everyEpochShowsEveryImageOnceInANewOrder() {
        int ids = 5;
        int per = 4;
        int batch = 3;
        try (SyntheticIdentities d = new SyntheticIdentities(ids, per, batch, 3)) {
            // 20 images in batches of 3: 6 batches, the last 2 images of each epoch's order dropped
            assertEquals(6, d.batchesPerEpoch());
            assertEquals(ids, d.numClasses());
            List<Long> first = new ArrayList<>();
            List<Long> second = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int p = 0; p < 12; p++) {
                Batch b = d.next();
                assertEquals(112, b.height());
                for (int i = 0; i < b.size(); i++) {
                    assertTrue(b.labels()[i] >= 0 && b.labels()[i] < ids);
                    (p < 6 ? first : second).add(b.labels()[i]);
                    if (p < 6) {
                        // an image is identified by its pixels: no image repeats within an epoch
                        assertTrue(seen.add(Arrays.toString(Arrays.copyOfRange(b.images(), i * 3 * 112 * 112, i * 3 * 112 * 112 + 64))),
                                "an image repeated in one epoch");
                    }
                }
                for (float v : b.images()) {
                    assertTrue(v >= -1 && v <= 1, "normalised pixel " + v);
                }
            }
            for (List<Long> epoch : List.of(first, second)) {
                long[] count = new long[ids];
                epoch.forEach(l -> count[(int) (long) l]++);
                // 18 of the 20 images: each identity has 4 images, at most 2 of all of them dropped
                assertEquals(18, Arrays.stream(count).sum());
                for (long c : count) {
                    assertTrue(c >= 2 && c <= per, Arrays.toString(count));
                }
            }
            assertFalse(first.equals(second), "each epoch is shuffled anew");
        }
    }

    @Test
    void heldOutIdentitiesAreNotTrainingIdentitiesAndPairsAreHalfSame() {
        int ids = 50;
        try (SyntheticIdentities d = new SyntheticIdentities(ids, 2, 4, 5)) {
            Set<String> training = new HashSet<>();
            for (int i = 0; i < ids; i++) {
                training.add(Arrays.toString(d.face(i).parameters()));
            }
            assertEquals(ids, training.size(), "training identities differ from each other");
            SyntheticPairs pairs = (SyntheticPairs) d.heldOut(30, 40, 0);
            boolean[] same = pairs.same();
            int sames = 0;
            for (int i = 0; i < same.length; i++) {
                sames += same[i] ? 1 : 0;
                String a = Arrays.toString(pairs.face(i, 0).parameters());
                String b = Arrays.toString(pairs.face(i, 1).parameters());
                assertFalse(training.contains(a) || training.contains(b), "pair " + i + " shows a training identity");
                assertEquals(same[i], a.equals(b), "pair " + i + " is labelled " + same[i]);
            }
            assertEquals(20, sames);
            // the two images of a same pair are two renderings, not one image twice
            float[] left = pairs.images(0, 0, 1);
            float[] right = pairs.images(1, 0, 1);
            assertTrue(same[0] && !Arrays.equals(left, right));
            assertArrayEquals(left, d.heldOut(30, 40, 0).images(0, 0, 1), "the pairs are the same on every call");
        }
    }
}
