package panface.examples.lafs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import panface.nn.data.FaceDataset;
import panface.nn.data.ImageFolderDataset;
import panface.tensor.random.Generator;

/**
 * LAFS's few-shot protocol over any {@link FaceDataset}: a fraction of the identities (1% or 10%
 * in the paper), each with a fixed number of its images (1, 2, 4 or 10; 0 keeps all). Only identities
 * with at least that many images can be drawn; the identities and their images are a function of the seed
 * alone (a shuffle of the eligible identities, and per identity a shuffle of its images from a
 * stream keyed by its original label), so every run with the same seed trains on the same faces.
 * Drawn identities are relabelled 0..n-1 in the order of their original labels.
 */
public final class FewShotDataset implements FaceDataset {
    private final FaceDataset data;
    private final int[] samples;
    private final long[] labels;
    private final int classes;

    private FewShotDataset(FaceDataset data, int[] samples, long[] labels, int classes) {
        this.data = data;
        this.samples = samples;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * The subset of data with ceil(fraction * identities) identities (at least 1) of
     * imagesPerIdentity images each (0: all of theirs); fails when fewer identities have enough images. Reads every
     * sample's label once (from the file list for an image folder).
     */
    public static FewShotDataset of(FaceDataset data, double fraction, int imagesPerIdentity, long seed) throws IOException {
        if (!(fraction > 0 && fraction <= 1) || imagesPerIdentity < 0) {
            throw new IllegalArgumentException("few-shot needs a fraction in (0, 1] and >= 0 images per identity, got " + fraction + ", "
                    + imagesPerIdentity);
        }
        Map<Long, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < data.size(); i++) {
            long label = data instanceof ImageFolderDataset f ? f.label(i) : data.read(i).label();
            byLabel.computeIfAbsent(label, k -> new ArrayList<>()).add(i);
        }
        List<Long> eligible = new ArrayList<>();
        byLabel.forEach((label, idx) -> {
            if (idx.size() >= Math.max(1, imagesPerIdentity)) {
                eligible.add(label);
            }
        });
        int want = Math.max(1, (int) Math.ceil(fraction * data.numClasses()));
        if (eligible.size() < want) {
            throw new IllegalArgumentException("few-shot: " + want + " identities with >= " + imagesPerIdentity + " images wanted, the data has "
                    + eligible.size());
        }
        Generator root = new Generator(seed);
        shuffle(eligible, root.fork(0));
        List<Long> drawn = new ArrayList<>(eligible.subList(0, want));
        drawn.sort(null);
        List<Integer> samples = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < want; c++) {
            List<Integer> idx = new ArrayList<>(byLabel.get(drawn.get(c)));
            shuffle(idx, root.fork(1).fork(drawn.get(c)));
            int k = imagesPerIdentity == 0 ? idx.size() : imagesPerIdentity;
            for (int j = 0; j < k; j++) {
                samples.add(idx.get(j));
                labels.add(c);
            }
        }
        return new FewShotDataset(data, samples.stream().mapToInt(Integer::intValue).toArray(),
                labels.stream().mapToLong(Integer::longValue).toArray(), want);
    }

    private static <T> void shuffle(List<T> a, Generator g) {
        for (int i = a.size() - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            T t = a.get(i);
            a.set(i, a.get(j));
            a.set(j, t);
        }
    }

    /** The index in the underlying data of sample i. */
    public int source(int i) {
        return samples[i];
    }

    @Override
    public int size() {
        return samples.length;
    }

    @Override
    public int numClasses() {
        return classes;
    }

    @Override
    public EncodedSample read(int i) throws IOException {
        return new EncodedSample(labels[i], data.read(samples[i]).image());
    }

    @Override
    public String describe(int i) {
        return data.describe(samples[i]);
    }

    @Override
    public void close() throws IOException {
        data.close();
    }
}
