package panface.nn.data;

import panface.tensor.random.Philox;

/**
 * Which samples each rank sees in an epoch, with the semantics of PyTorch's (and insightface's)
 * DistributedSampler: every rank shuffles all N indices with the same per-epoch seed, the list is
 * padded by repeating its start up to numSamples x worldSize (numSamples = ceil(N / worldSize)),
 * and rank r takes positions r, r + worldSize, r + 2 worldSize, ... The shuffle is a Fisher-Yates
 * permutation drawn from Philox keyed by (seed, epoch), so it differs from torch.randperm's but is
 * the same on every rank and machine. Thread-safe (immutable).
 */
public final class DistributedSampler {
    private final int size;
    private final int rank;
    private final int worldSize;
    private final long seed;
    private final boolean shuffle;

    public DistributedSampler(int size, int rank, int worldSize, long seed, boolean shuffle) {
        if (size <= 0) {
            throw new IllegalArgumentException("the dataset is empty");
        }
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not in [0, worldSize = " + worldSize + ")");
        }
        this.size = size;
        this.rank = rank;
        this.worldSize = worldSize;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /** Samples per rank and epoch: ceil(size / worldSize). */
    public int numSamples() {
        return (int) ((size + (long) worldSize - 1) / worldSize);
    }

    /** The whole epoch's order (before padding and splitting), the same on every rank. */
    public int[] permutation(long epoch) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        if (!shuffle) {
            return p;
        }
        long key = SampleRandom.mix(SampleRandom.mix(seed) ^ epoch * 0xD1B54A32D192ED03L);
        int[] w = new int[4];
        for (int i = size - 1; i > 0; i--) {
            Philox.block(key, i, w);
            int j = (int) Math.min(i, (long) Math.floor(Philox.uniformDouble(w[0], w[1]) * (i + 1)));
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** This rank's samples in the epoch, in order. */
    public int[] indices(long epoch) {
        int[] perm = permutation(epoch);
        int n = numSamples();
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            long padded = (long) k * worldSize + rank;
            out[k] = perm[(int) (padded % size)];
        }
        return out;
    }

    /** The position in the padded epoch list (unique across ranks) of this rank's k-th sample. */
    public long globalPosition(int k) {
        return (long) k * worldSize + rank;
    }
}
