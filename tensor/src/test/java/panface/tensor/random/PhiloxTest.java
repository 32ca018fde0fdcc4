package panface.tensor.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;

class PhiloxTest {

    @Test
    void matchesTheRandom123KnownAnswerForZeroCounterAndKey() {
        int[] out = new int[4];
        Philox.block(0L, 0L, out);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
    }

    @Test
    void streamsAreReproducibleAndAdvance() {
        Generator g1 = new Generator(42);
        Generator g2 = new Generator(42);
        float[] a = Tensor.randn(g1, 1000).toFloatArray();
        float[] b = Tensor.randn(g2, 1000).toFloatArray();
        assertArrayEquals(a, b);
        assertNotEquals(a[0], Tensor.randn(g1, 1).toFloatArray()[0]);
        assertEquals(g1.offset(), g2.offset() + (g1.offset() - g2.offset()));
    }

    @Test
    void normalAndUniformHaveTheRightMoments() {
        Generator g = new Generator(3);
        double[] n = Tensor.random(g, Distribution.NORMAL, 1.0, 2.0, Device.CPU, DType.F64, 200_000).toDoubleArray();
        double mean = 0;
        for (double v : n) {
            mean += v;
        }
        mean /= n.length;
        double var = 0;
        for (double v : n) {
            var += (v - mean) * (v - mean);
        }
        var /= n.length;
        assertEquals(1.0, mean, 0.02);
        assertEquals(4.0, var, 0.05);
        float[] u = Tensor.rand(g, 200_000).toFloatArray();
        double um = 0;
        for (float v : u) {
            um += v;
            if (v < 0 || v >= 1) {
                throw new AssertionError("uniform out of range: " + v);
            }
        }
        assertEquals(0.5, um / u.length, 0.005);
        double[] bern = Tensor.random(g, Distribution.BERNOULLI, 0.3, 0, Device.CPU, DType.F32, 100_000).toDoubleArray();
        double bm = 0;
        for (double v : bern) {
            bm += v;
        }
        assertEquals(0.3, bm / bern.length, 0.01);
    }
}
