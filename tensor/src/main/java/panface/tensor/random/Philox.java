package panface.tensor.random;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
 * counter-based generator. Block {@code counter} under {@code key} gives four 32-bit words; any
 * block can be computed independently, so the CPU and the GPU draw identical streams.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /**
     * The four words of block {@code counter} (a 64-bit counter in the low two words; the high
     * two words are zero) under the 64-bit key {@code seed}, written to out[0..3].
     */
    public static void block(long seed, long counter, int[] out) {
        int c0 = (int) counter;
        int c1 = (int) (counter >>> 32);
        int c2 = 0;
        int c3 = 0;
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0;
            int n1 = lo1;
            int n2 = hi0 ^ c3 ^ k1;
            int n3 = lo0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** A uniform float in [0, 1) from the top 24 bits of a word. */
    public static float uniformFloat(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }

    /** A uniform double in [0, 1) from 53 bits of two words. */
    public static double uniformDouble(int hi, int lo) {
        long bits = ((long) (hi >>> 5) << 26) | (lo >>> 6);
        return bits * 0x1.0p-53;
    }
}
