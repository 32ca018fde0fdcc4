package panface.faceloss.gif;

/**
 * One code vector per identity: the mean of the identity's image embeddings, normalised to unit
 * length. Embeddings can come from any model that yields a float vector per image (our
 * backbones, an imported checkpoint or ONNX model); only the vectors are kept, so m identities
 * of dimension d take m * d * 4 bytes (float32 sums) plus one counter per identity, and the
 * vectors are normalised in place, so no second copy is made.
 */
public final class CodeVectors {
    /** How image embeddings are combined [UNVERIFIED: the paper only says "initialised from a generic model"]. */
    public enum Averaging {
        /** normalize(mean of raw embeddings): the reference's suggested V_y, the default. */
        RAW_MEAN,
        /** normalize(mean of normalised embeddings): every image counts equally whatever its norm. */
        NORMALISED_MEAN
    }

    private final float[][] acc;
    private final long[] counts;
    private final Averaging averaging;

    /** An accumulator for {@code identities} identities of dimension {@code dim}. */
    public CodeVectors(int identities, int dim, Averaging averaging) {
        if (identities <= 0 || dim <= 0) {
            throw new IllegalArgumentException("need at least one identity and dimension, got " + identities + " x " + dim);
        }
        this.acc = new float[identities][];
        this.counts = new long[identities];
        this.averaging = averaging;
        for (int i = 0; i < identities; i++) {
            acc[i] = new float[dim];
        }
    }

    /** Adds one image embedding of {@code identity}. */
    public void add(int identity, float[] embedding) {
        float[] a = acc[identity];
        if (embedding.length != a.length) {
            throw new IllegalArgumentException("expected an embedding of dimension " + a.length + ", got " + embedding.length);
        }
        double scale = 1.0;
        if (averaging == Averaging.NORMALISED_MEAN) {
            double n = norm(embedding);
            if (!(n > 0)) {
                throw new IllegalArgumentException("zero or non-finite embedding for identity " + identity);
            }
            scale = 1.0 / n;
        }
        for (int i = 0; i < a.length; i++) {
            a[i] += (float) (scale * embedding[i]);
        }
        counts[identity]++;
    }

    /** The number of images seen for {@code identity}. */
    public long count(int identity) {
        return counts[identity];
    }

    /**
     * The unit code vectors (m, d), normalised in place (call once: the accumulator is consumed);
     * fails if an identity has no image or a zero mean, since a code vector cannot be made up.
     */
    public float[][] vectors() {
        float[][] out = new float[acc.length][];
        for (int y = 0; y < acc.length; y++) {
            if (counts[y] == 0) {
                throw new IllegalStateException("identity " + y + " has no image");
            }
            float[] a = acc[y];
            double n = 0;
            for (float x : a) {
                n += (double) x * x;
            }
            n = Math.sqrt(n);
            if (!(n > 0) || Double.isInfinite(n)) {
                throw new IllegalStateException("identity " + y + " has a zero or non-finite mean embedding");
            }
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (a[i] / n);
            }
            out[y] = a;
        }
        return out;
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
