package panface.examples.train;

/**
 * A verification set: pairs of aligned 112x112 face images, each pair labelled same or
 * different identity. Images are produced on request, a range of pairs at a time, so large sets
 * need not be held in memory.
 */
public interface PairSet {
    /** A name for logs and results. */
    String name();

    /** Whether pair i shows one identity twice. */
    boolean[] same();

    /**
     * The first (side 0) or second (side 1) images of pairs [from, to), normalised as
     * {@link panface.nn.data.Batch} images, channel-major, (to - from) x 3 x 112 x 112 values.
     */
    float[] images(int side, int from, int to);
}
