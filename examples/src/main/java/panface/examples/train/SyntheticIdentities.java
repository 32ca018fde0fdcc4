package panface.examples.train;

import java.util.stream.IntStream;

import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.tensor.random.Generator;

/**
 * A generated face-identity data set as a {@link BatchSource}: {@code identities} training
 * identities with {@code imagesPerIdentity} fixed images each, visited in a new shuffled order
 * every epoch (incomplete last batches are dropped, as insightface's loader does). Each identity
 * is a stable {@link SyntheticFace} (face shape, skin, hair, eyes, nose, mouth, skin texture);
 * each image of it a {@link SyntheticFace#render rendering} with its own pose, lighting,
 * background, occlusion and noise, so pixels alone say little about who it is.
 *
 * <p>Everything is a function of the seed and the position: image j of identity i, the order of
 * epoch e and therefore batch p never depend on what was drawn before, so {@link #seek} is
 * free. Held-out identities ({@link #heldOut}) come from another key space of the same seed and
 * are never trained on.
 */
public final class SyntheticIdentities implements BatchSource {
    /** Forks of the seed: identity appearance, image nuisances, epoch orders, held-out identities. */
    private static final long IDENTITY = 1;
    private static final long IMAGE = 2;
    private static final long ORDER = 3;
    private static final long HELD_OUT = 4;

    private final int identities;
    private final int imagesPerIdentity;
    private final int batch;
    private final long seed;
    private final int shareStart;
    private final int shareSize;
    private final double zoom;
    private final SyntheticFace[] faces;
    private long position;
    private long orderEpoch = -1;
    private int[] order;

    /**
     * @param identities        training identities (labels 0 .. identities - 1)
     * @param imagesPerIdentity fixed images of each identity
     * @param batch             images per batch
     * @param seed              the data set's seed
     */
    public SyntheticIdentities(int identities, int imagesPerIdentity, int batch, long seed) {
        this(identities, imagesPerIdentity, batch, seed, 0, 1);
    }

    /**
     * Rank {@code rank}'s share of the same stream for data-parallel training: of each global
     * batch of {@code batch} images it renders and returns the contiguous block of
     * batch / worldSize rows starting at rank * batch / worldSize, so the ranks' shares
     * concatenated in rank order are the single-process batch, row for row (the order the
     * all-gathers of the sharded head see, and EPL's in-order prototype updates depend on).
     */
    public SyntheticIdentities(int identities, int imagesPerIdentity, int batch, long seed, int rank, int worldSize) {
        this(identities, imagesPerIdentity, batch, seed, rank, worldSize, 1);
    }

    /**
     * The single-process stream with the faces framed closer ({@link #SyntheticIdentities(int, int, int, long, int, int, double)}).
     */
    public SyntheticIdentities(int identities, int imagesPerIdentity, int batch, long seed, double zoom) {
        this(identities, imagesPerIdentity, batch, seed, 0, 1, zoom);
    }

    /**
     * Rank {@code rank}'s share with every face, its landmarks and the held-out faces magnified by
     * zoom about the image centre (1: the default framing with a wide border of background; larger
     * values crop closer to the inner face, as a tight alignment crop does). The identities and
     * nuisances drawn are the same at every zoom.
     */
    public SyntheticIdentities(int identities, int imagesPerIdentity, int batch, long seed, int rank, int worldSize, double zoom) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize || batch % worldSize != 0) {
            throw new IllegalArgumentException("the batch of " + batch + " must split evenly over " + worldSize + " ranks (rank " + rank + ")");
        }
        this.shareSize = batch / worldSize;
        this.shareStart = rank * shareSize;
        if (identities < 2 || imagesPerIdentity < 1 || batch < 1 || (long) identities * imagesPerIdentity < batch) {
            throw new IllegalArgumentException("need >= 2 identities, >= 1 image each and at least one full batch of " + batch + ", got "
                    + identities + " x " + imagesPerIdentity);
        }
        this.identities = identities;
        this.imagesPerIdentity = imagesPerIdentity;
        this.batch = batch;
        this.seed = seed;
        this.zoom = zoom;
        Generator root = new Generator(seed).fork(IDENTITY);
        this.faces = new SyntheticFace[identities];
        for (int i = 0; i < identities; i++) {
            faces[i] = SyntheticFace.random(root.fork(i)).zoomed(zoom);
        }
    }

    @Override
    public int numClasses() {
        return identities;
    }

    @Override
    public long batchesPerEpoch() {
        return (long) identities * imagesPerIdentity / batch;
    }

    @Override
    public synchronized Batch next() {
        int[] samples = samples(position);
        long[] labels = new long[shareSize];
        for (int n = 0; n < shareSize; n++) {
            labels[n] = samples[n] / imagesPerIdentity;
        }
        float[] px = new float[shareSize * SyntheticFace.PIXELS];
        Generator images = new Generator(seed).fork(IMAGE);
        IntStream.range(0, shareSize).parallel().forEach(n -> faces[(int) labels[n]].render(images.fork(samples[n]), px,
                n * SyntheticFace.PIXELS));
        position++;
        return new Batch(px, labels, SyntheticFace.SIZE, SyntheticFace.SIZE);
    }

    /**
     * Another image of each identity in the batch at a position: for the sample image j of identity
     * i there, image (j + shift) mod imagesPerIdentity of identity i, labels as there. Two images of
     * one person without saying who it is, as two frames of one track of an unlabelled video give
     * them; the position does not move.
     */
    public synchronized Batch partners(long at, int shift) {
        int[] samples = samples(at);
        long[] labels = new long[shareSize];
        int[] other = new int[shareSize];
        for (int n = 0; n < shareSize; n++) {
            labels[n] = samples[n] / imagesPerIdentity;
            other[n] = (int) labels[n] * imagesPerIdentity + Math.floorMod(samples[n] % imagesPerIdentity + shift, imagesPerIdentity);
        }
        float[] px = new float[shareSize * SyntheticFace.PIXELS];
        Generator images = new Generator(seed).fork(IMAGE);
        IntStream.range(0, shareSize).parallel().forEach(n -> faces[(int) labels[n]].render(images.fork(other[n]), px,
                n * SyntheticFace.PIXELS));
        return new Batch(px, labels, SyntheticFace.SIZE, SyntheticFace.SIZE);
    }

    /**
     * The ground-truth landmarks of the batch at a position (the one {@link #next} returns there):
     * (rows, perSide^2, 2) pixel coordinates (x, y), a grid over each face that follows its pose
     * ({@link SyntheticFace#landmarks}).
     */
    public synchronized float[] landmarks(long at, int perSide) {
        int[] samples = samples(at);
        int per = 2 * perSide * perSide;
        float[] out = new float[shareSize * per];
        Generator images = new Generator(seed).fork(IMAGE);
        for (int n = 0; n < shareSize; n++) {
            faces[samples[n] / imagesPerIdentity].landmarks(images.fork(samples[n]), perSide, out, n * per);
        }
        return out;
    }

    /** This rank's samples (identity * imagesPerIdentity + image) of the batch at a position. */
    private int[] samples(long at) {
        long epoch = at / batchesPerEpoch();
        int within = (int) (at % batchesPerEpoch());
        if (epoch != orderEpoch) {
            order = shuffled(identities * imagesPerIdentity, new Generator(seed).fork(ORDER).fork(epoch));
            orderEpoch = epoch;
        }
        int[] s = new int[shareSize];
        for (int n = 0; n < shareSize; n++) {
            s[n] = order[within * batch + shareStart + n];
        }
        return s;
    }

    @Override
    public synchronized long position() {
        return position;
    }

    @Override
    public synchronized void seek(long p) {
        if (p < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + p);
        }
        position = p;
    }

    @Override
    public void close() {
    }

    /** The appearance of training identity i (for tests). */
    SyntheticFace face(int i) {
        return faces[i];
    }

    /**
     * Verification pairs of {@code count} identities that are not in the training set (the same
     * seed's held-out key space), {@code pairs} pairs, the first half "same" (two renderings of
     * one identity) and the second half "different", interleaved as same, different, same, ...
     * so every fold of the 10-fold protocol holds both kinds.
     */
    public PairSet heldOut(int count, int pairs, long pairSeed) {
        Generator root = new Generator(seed).fork(HELD_OUT);
        SyntheticFace[] held = new SyntheticFace[count];
        for (int i = 0; i < count; i++) {
            held[i] = SyntheticFace.random(root.fork(i)).zoomed(zoom);
        }
        return new SyntheticPairs("synthetic held-out identities", held, pairs, new Generator(seed).fork(HELD_OUT).fork(-1 - pairSeed));
    }

    /** A permutation of 0..n-1 (Fisher-Yates with the generator's draws). */
    static int[] shuffled(int n, Generator g) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
