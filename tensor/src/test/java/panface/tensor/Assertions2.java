package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Numeric assertions shared by the tensor tests. */
public final class Assertions2 {
    private Assertions2() {
    }

    /** Asserts same shape and |got - want| &lt;= atol + rtol |want| everywhere. */
    public static void assertClose(Tensor want, Tensor got, double atol, double rtol) {
        assertArrayEquals(want.shape(), got.shape(), "shape");
        assertClose(want.toDoubleArray(), got.toDoubleArray(), atol, rtol);
    }

    /** Elementwise closeness of two arrays. */
    public static void assertClose(double[] want, double[] got, double atol, double rtol) {
        if (want.length != got.length) {
            fail("length " + got.length + " != " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            if (Double.isNaN(w) && Double.isNaN(g)) {
                continue;
            }
            if (w == g) {
                continue;
            }
            if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
                fail("element " + i + ": got " + g + ", want " + w + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }
}
