package panface.distributed;

/**
 * The block of class centres one rank holds in model-parallel Partial FC: C classes split into W
 * contiguous blocks whose sizes differ by at most one, the first C mod W ranks holding one more
 * (insightface's partial_fc_v2). Rank r holds classes [classStart, classStart + numLocal).
 *
 * @param numClasses C
 * @param worldSize  W
 * @param rank       r
 * @param numLocal   C / W + (r &lt; C mod W ? 1 : 0)
 * @param classStart (C / W) * r + min(r, C mod W)
 */
public record Shard(int numClasses, int worldSize, int rank, int numLocal, int classStart) {

    /** Rank r's shard of C classes over W ranks. */
    public static Shard of(int numClasses, int worldSize, int rank) {
        if (numClasses < 1 || worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("a shard needs C >= 1 classes, W >= 1 ranks and 0 <= r < W, got C=" + numClasses + " W="
                    + worldSize + " r=" + rank);
        }
        if (numClasses < worldSize) {
            throw new IllegalArgumentException(numClasses + " classes cannot be split over " + worldSize + " ranks (every rank needs one)");
        }
        int base = numClasses / worldSize;
        int extra = numClasses % worldSize;
        int numLocal = base + (rank < extra ? 1 : 0);
        int classStart = base * rank + Math.min(rank, extra);
        return new Shard(numClasses, worldSize, rank, numLocal, classStart);
    }

    /** One past the last class of the shard. */
    public int classEnd() {
        return classStart + numLocal;
    }

    /** True when global class c is in this shard. */
    public boolean contains(long c) {
        return c >= classStart && c < classEnd();
    }

    /** The centres this rank samples per step: (int)(sampleRate * numLocal), as the reference. */
    public int numSample(double sampleRate) {
        return (int) (sampleRate * numLocal);
    }

    /** The rank holding global class c. */
    public static int owner(int numClasses, int worldSize, long c) {
        if (c < 0 || c >= numClasses) {
            throw new IndexOutOfBoundsException("class " + c + " is outside [0, " + numClasses + ")");
        }
        int base = numClasses / worldSize;
        int extra = numClasses % worldSize;
        long big = (long) extra * (base + 1);
        return (int) (c < big ? c / (base + 1) : extra + (c - big) / base);
    }
}
