package panface.examples.cli;

import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.tensor.random.Generator;

/**
 * Generated identities for demos: identity y is a Gaussian cluster around a centre drawn from a
 * seeded stream; a "face" is a tiny 3 x side x side image, centre plus unit noise. Batch p depends
 * only on the seed and p, as {@link BatchSource} requires.
 */
final class GaussianIdentities implements BatchSource {
    private final float[][] centres;
    private final int side;
    private final int batch;
    private final long seed;
    private long position;

    /** {@code identities} clusters with centres of spread {@code spread}; {@code centreSeed} fixes the identities. */
    GaussianIdentities(int identities, int side, int batch, double spread, long centreSeed, long sampleSeed) {
        this.side = side;
        this.batch = batch;
        this.seed = sampleSeed;
        int n = 3 * side * side;
        Generator g = new Generator(centreSeed);
        centres = new float[identities][n];
        for (float[] c : centres) {
            for (int i = 0; i < n; i++) {
                c[i] = (float) (spread * gaussian(g));
            }
        }
    }

    @Override
    public int numClasses() {
        return centres.length;
    }

    @Override
    public long batchesPerEpoch() {
        return Math.max(1, centres.length / batch);
    }

    @Override
    public Batch next() {
        Generator g = new Generator(seed).fork(position++);
        int n = 3 * side * side;
        float[] images = new float[batch * n];
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            int y = g.nextInt(centres.length);
            labels[i] = y;
            for (int q = 0; q < n; q++) {
                images[i * n + q] = (float) (centres[y][q] + gaussian(g));
            }
        }
        return new Batch(images, labels, side, side);
    }

    /** A sample of identity y (3 * side * side values) from the generator. */
    float[] sample(int y, Generator g) {
        float[] x = new float[centres[y].length];
        for (int q = 0; q < x.length; q++) {
            x[q] = (float) (centres[y][q] + gaussian(g));
        }
        return x;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void seek(long p) {
        position = p;
    }

    @Override
    public void close() {
    }

    private static double gaussian(Generator g) {
        // Box-Muller from the generator's uniform stream
        double u = Math.max(g.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * g.nextDouble());
    }
}
