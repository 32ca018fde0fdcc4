package panface.tensor.random;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A seeded source of random streams: a seed (the Philox key) and an offset (the next unused
 * Philox block). Each draw reserves the blocks it uses, so draws never overlap and a run is
 * reproducible from the seed; {@link #offset()} and {@link #setOffset} save and restore the state
 * (for checkpoints). Thread-safe.
 */
public final class Generator {
    private final long seed;
    private final AtomicLong offset;

    /** A generator at offset 0. */
    public Generator(long seed) {
        this(seed, 0);
    }

    /** A generator at a given offset (to resume a saved state). */
    public Generator(long seed, long offset) {
        this.seed = seed;
        this.offset = new AtomicLong(offset);
    }

    public long seed() {
        return seed;
    }

    /** The next unused Philox block. */
    public long offset() {
        return offset.get();
    }

    /** Restores a saved offset. */
    public void setOffset(long value) {
        offset.set(value);
    }

    /**
     * Reserves enough blocks for {@code count} values (four per block, two blocks per value for
     * normal doubles are covered by reserving twice the count) and returns the first block.
     */
    public long reserve(long count) {
        long blocks = (2 * count + 3) / 4 + 1;
        return offset.getAndAdd(blocks);
    }

    /** A uniform double in [0, 1), consuming one block. */
    public double nextDouble() {
        int[] w = new int[4];
        Philox.block(seed, offset.getAndIncrement(), w);
        return Philox.uniformDouble(w[0], w[1]);
    }

    /** A uniform int in [0, bound), consuming one block. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) Math.floor(nextDouble() * bound);
    }

    /** A new generator whose stream is independent of this one's (a different key derived from seed and an id). */
    public Generator fork(long id) {
        long mixed = seed * 0x9E3779B97F4A7C15L + id * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        mixed ^= mixed >>> 31;
        return new Generator(mixed);
    }
}
