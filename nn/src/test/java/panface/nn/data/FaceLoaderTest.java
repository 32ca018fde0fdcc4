package panface.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Batches: contents, determinism across thread counts, resume, bad samples. */
class FaceLoaderTest {
    private static final int W = 8;
    private static final int H = 6;

    /** In-memory PNGs: sample i has label i % 5 and pixel (x, y) = (10 i mod 250, 3 x + 20, 7 y + 1); some indices fail. */
    static final class Synthetic implements FaceDataset {
        private final byte[][] images;
        private final Set<Integer> bad;

        Synthetic(int n, Set<Integer> bad) {
            this.bad = bad;
            images = new byte[n][];
            for (int i = 0; i < n; i++) {
                int r = 10 * i % 250;
                images[i] = Fixtures.encode(W, H, "png", (x, y) -> r << 16 | (3 * x + 20) << 8 | (7 * y + 1));
            }
        }

        @Override
        public int size() {
            return images.length;
        }

        @Override
        public int numClasses() {
            return 5;
        }

        @Override
        public EncodedSample read(int i) throws IOException {
            if (bad.contains(i)) {
                throw new IOException(describe(i) + ": damaged");
            }
            return new EncodedSample(i % 5, images[i]);
        }

        @Override
        public String describe(int i) {
            return "synthetic sample " + i;
        }

        @Override
        public void close() {
        }
    }

    private static LoaderOptions plain(int batch, int threads) {
        return new LoaderOptions(batch, H, W, 9, 0, 1, true, threads, 2, List.of(), ChannelOrder.RGB, false);
    }

    @Test
    void batchesHoldTheSamplersImagesNormalised() {
        LoaderOptions o = plain(4, 2).withRank(1, 2);
        DistributedSampler s = new DistributedSampler(23, 1, 2, 9, true);
        try (FaceLoader l = new FaceLoader(new Synthetic(23, Set.of()), o)) {
            assertEquals(3, l.batchesPerEpoch(), "12 samples per rank, batches of 4");
            for (int p = 0; p < 7; p++) {
                Batch b = l.next();
                int[] idx = s.indices(p / 3);
                for (int j = 0; j < 4; j++) {
                    int i = idx[(p % 3) * 4 + j];
                    assertEquals(i % 5, b.labels()[j]);
                    for (int y = 0; y < H; y++) {
                        for (int x = 0; x < W; x++) {
                            int[] rgb = {10 * i % 250, 3 * x + 20, 7 * y + 1};
                            for (int c = 0; c < 3; c++) {
                                // (v/255 - 0.5)/0.5 in float64; float32 rounding of values within [-1, 1]
                                double expected = (rgb[c] / 255.0 - 0.5) / 0.5;
                                assertEquals(expected, b.images()[((j * 3 + c) * H + y) * W + x], 1e-6);
                            }
                        }
                    }
                }
            }
            assertEquals(7, l.position());
        }
    }

    @Test
    void sameBatchesWhateverTheThreadsAndAfterSeek() {
        List<Augmentation> augs = List.of(new HorizontalFlip(0.5), new RandomResizedCrop(W, H, 0.5, 1, 0.75, 1.33),
                new ColorJitter(0.3, 0.3, 0.3, 0.05, 0.8), new GaussianBlur(3, 0.1, 2, 0.5));
        List<Batch> one = new ArrayList<>();
        try (FaceLoader l = new FaceLoader(new Synthetic(30, Set.of()), plain(5, 1).withAugmentations(augs))) {
            for (int p = 0; p < 10; p++) {
                one.add(l.next());
            }
        }
        try (FaceLoader l = new FaceLoader(new Synthetic(30, Set.of()), plain(5, 3).withAugmentations(augs).withThreads(3, 4))) {
            for (int p = 0; p < 10; p++) {
                Batch b = l.next();
                assertArrayEquals(one.get(p).labels(), b.labels());
                assertArrayEquals(one.get(p).images(), b.images(), "batch " + p);
            }
            l.seek(2);
            assertArrayEquals(one.get(2).images(), l.next().images(), "seek back");
            l.seek(8);
            assertArrayEquals(one.get(8).images(), l.next().images(), "seek ahead across an epoch");
            assertEquals(9, l.position());
        }
    }

    @Test
    void recycledArraysAreRefilledWithTheSameBatches() {
        List<Augmentation> augs = List.of(new HorizontalFlip(0.5), new ColorJitter(0.3, 0.3, 0.3, 0.05, 0.8));
        List<float[]> fresh = new ArrayList<>();
        try (FaceLoader l = new FaceLoader(new Synthetic(30, Set.of()), plain(5, 2).withAugmentations(augs))) {
            for (int p = 0; p < 12; p++) {
                fresh.add(l.next().images());
            }
        }
        java.util.Set<float[]> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try (FaceLoader l = new FaceLoader(new Synthetic(30, Set.of()), plain(5, 2).withAugmentations(augs))) {
            for (int p = 0; p < 12; p++) {
                Batch b = l.next();
                assertArrayEquals(fresh.get(p), b.images(), "batch " + p + " in a recycled array");
                seen.add(b.images());
                l.recycle(b);
            }
        }
        assertTrue(seen.size() < 12, "recycled arrays are used again (" + seen.size() + " distinct arrays for 12 batches)");
    }

    @Test
    void flipOnlyFastPathGivesTheGeneralPathsValues() {
        // a solarisation with p = 0 changes nothing but sends images through the general path; the flip draws come first in both
        LoaderOptions fast = plain(6, 2).withAugmentations(List.of(new HorizontalFlip(0.5))).withChannels(ChannelOrder.BGR);
        LoaderOptions general = fast.withAugmentations(List.of(new HorizontalFlip(0.5), new Solarize(0, 0)));
        try (FaceLoader a = new FaceLoader(new Synthetic(18, Set.of()), fast);
                FaceLoader b = new FaceLoader(new Synthetic(18, Set.of()), general)) {
            for (int p = 0; p < 4; p++) {
                Batch x = a.next();
                Batch y = b.next();
                assertArrayEquals(y.labels(), x.labels());
                assertArrayEquals(y.images(), x.images(), "batch " + p);
            }
        }
    }

    @Test
    void badSampleFailsNamingItOrIsSkippedAndCounted() {
        Set<Integer> bad = Set.of(3, 4);
        try (FaceLoader l = new FaceLoader(new Synthetic(12, bad), plain(12, 2).withShuffle(false))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, l::next);
            assertTrue(e.getMessage().contains("synthetic sample 3"), e.getMessage());
        }
        try (FaceLoader l = new FaceLoader(new Synthetic(12, bad), plain(12, 2).withShuffle(false).withSkipBadRecords(true))) {
            Batch b = l.next();
            // slot 3 tries 3 and 4 (both bad) and takes 5; slot 4 tries 4 and takes 5
            assertArrayEquals(new long[] {0, 1, 2, 0, 0, 0, 1, 2, 3, 4, 0, 1}, b.labels());
            assertEquals(3, l.skippedRecords());
            assertTrue(l.lastSkipped().contains("damaged"));
        }
    }

    @Test
    void recordFileWithChannelSwap() throws IOException {
        LoaderOptions o = new LoaderOptions(6, 3, 4, 0, 0, 1, false, 2, 1, List.of(), ChannelOrder.BGR, false);
        try (FaceLoader l = FaceLoader.open(Fixtures.resource("insightface.rec"), o)) {
            assertEquals(3, l.numClasses());
            Batch b = l.next();
            assertArrayEquals(new long[] {0, 0, 1, 2, 2, 2}, b.labels());
            int k = 5;  // sample 4 is the split record, key 5, class 2
            int plane = 12;
            float blueFirst = b.images()[4 * 3 * plane + 0];
            float redLast = b.images()[4 * 3 * plane + 2 * plane];
            assertEquals((Fixtures.pixel(2, k, 2, 0, 0) / 255.0 - 0.5) / 0.5, blueFirst, 1e-6);
            assertEquals((Fixtures.pixel(2, k, 0, 0, 0) / 255.0 - 0.5) / 0.5, redLast, 1e-6);
        }
    }
}
