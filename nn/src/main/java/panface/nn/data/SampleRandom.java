package panface.nn.data;

import panface.tensor.random.Philox;

/**
 * The random numbers of one sample in one epoch, drawn from Philox with a key derived from
 * (seed, epoch, sample index) and a counter that starts at 0. The draws of a sample therefore
 * depend only on those three numbers, never on which thread decodes it or when. Not thread-safe
 * (one instance per sample).
 */
public final class SampleRandom {
    private final long key;
    private final int[] words = new int[4];
    private long counter;

    public SampleRandom(long seed, long epoch, long index) {
        this.key = mix(mix(mix(seed) ^ epoch * 0x9E3779B97F4A7C15L) ^ index * 0xC2B2AE3D27D4EB4FL);
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform double in [0, 1). */
    public double nextDouble() {
        Philox.block(key, counter++, words);
        return Philox.uniformDouble(words[0], words[1]);
    }

    /** A uniform double in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** True with probability p. */
    public boolean bernoulli(double p) {
        return nextDouble() < p;
    }

    /** A uniform int in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.min(bound - 1, (long) Math.floor(nextDouble() * bound));
    }
}
