package panface.tensor.cpu.runtime;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The array pool hands back what it was given, by type and exact length (that kernels which borrow
 * from it overwrite what they read is {@code WinogradScratchTest}).
 */
class ArrayPoolTest {
    private static final int LARGE = (int) (ArrayPool.MIN_BYTES / 4);

    @AfterEach
    void emptyThePool() {
        ArrayPool.clear();
    }

    @Test
    void givesBackTheSameArrayByTypeAndLength() {
        ArrayPool.clear();
        float[] a = new float[LARGE];
        ArrayPool.giveBack(a);
        assertNull(ArrayPool.take(float[].class, LARGE + 1, 4L * (LARGE + 1)), "another length");
        assertNull(ArrayPool.take(int[].class, LARGE, 4L * LARGE), "another type");
        assertSame(a, ArrayPool.floats(LARGE));
        assertNotSame(a, ArrayPool.floats(LARGE), "an array is handed out once");
    }

    @Test
    void keepsNoSmallArrays() {
        ArrayPool.clear();
        float[] small = new float[LARGE - 1];
        ArrayPool.giveBack(small);
        assertNotSame(small, ArrayPool.floats(LARGE - 1));
        assertNull(ArrayPool.take(float[].class, LARGE - 1, 4L * (LARGE - 1)));
    }

    @Test
    void clearDropsEverything() {
        ArrayPool.giveBack(new float[LARGE]);
        ArrayPool.clear();
        assertNull(ArrayPool.take(float[].class, LARGE, 4L * LARGE));
    }
}
