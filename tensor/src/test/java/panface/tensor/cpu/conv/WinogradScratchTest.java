package panface.tensor.cpu.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.runtime.ArrayPool;

/**
 * Kernels that borrow scratch from the array pool overwrite every element they read: their results
 * do not change when the pool is full of NaN.
 */
class WinogradScratchTest {
    @AfterEach
    void emptyThePool() {
        ArrayPool.clear();
    }

    /**
     * Winograd F(2x2) (14x14 outputs) and F(4x4) (28x28) forward, whose weight transforms borrow
     * from the pool: the same bits with an empty pool and with one holding NaN arrays of the
     * transforms' lengths.
     */
    @Test
    void winogradWeightTransformsOverwriteBorrowedScratch() {
        int c = 48;
        int o = 40;
        for (int size : new int[] {14, 28}) {
            Conv2dParams p = new Conv2dParams(3, 3, 1, 1, 1, 1, 1, 1);
            ConvShape s = ConvShape.of(new int[] {2, c, size, size}, new int[] {o, c, 3, 3}, p, 1);
            SplittableRandom rnd = new SplittableRandom(size);
            float[] x = random(rnd, s.n() * c * s.hw());
            float[] w = random(rnd, o * c * 9);
            float[] clean = new float[s.n() * o * s.l()];
            ArrayPool.clear();
            ConvWinograd.forward(x, 0, w, 0, clean, 0, s, null);
            poison(16 * o * c, 36 * o * c);
            float[] again = new float[clean.length];
            ConvWinograd.forward(x, 0, w, 0, again, 0, s, null);
            assertArrayEquals(clean, again, size + "x" + size);
        }
    }

    /** Offers n NaN-filled float arrays of each length to the pool. */
    private static void poison(int... lengths) {
        for (int n : lengths) {
            float[] a = new float[n];
            Arrays.fill(a, Float.NaN);
            ArrayPool.giveBack(a);
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
