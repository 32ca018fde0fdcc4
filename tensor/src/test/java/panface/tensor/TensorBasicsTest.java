package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.internal.Floats;

class TensorBasicsTest {

    @Test
    void leavesNeverShareGradientMemory() {
        try (Scope outer = Scope.open()) {
            // add hands the same gradient to both inputs
            Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new float[] {3, 4}, 2).requiresGrad(true);
            Tensor up = Tensor.of(new float[] {5, 6}, 2);
            a.add(b).mul(2).backward(up);
            assertArrayEquals(new double[] {10, 12}, a.grad().toDoubleArray());
            assertArrayEquals(new double[] {10, 12}, b.grad().toDoubleArray());
            a.zeroGrad();
            assertArrayEquals(new double[] {10, 12}, b.grad().toDoubleArray(), "b's gradient is its own memory");
            a.mul(2).add(b.mul(3)).backward(up);
            assertArrayEquals(new double[] {10, 12}, a.grad().toDoubleArray());
            assertArrayEquals(new double[] {25, 30}, b.grad().toDoubleArray());
            // the caller's seed is never taken as a gradient
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4).requiresGrad(true);
            Tensor seed = Tensor.of(new float[] {1, 1, 1, 1}, 2, 2);
            x.reshape(2, 2).backward(seed);
            x.zeroGrad();
            assertArrayEquals(new double[] {1, 1, 1, 1}, seed.toDoubleArray());
            // a leaf used twice gets the sum
            Tensor z = Tensor.of(new float[] {2, 3}, 2).requiresGrad(true);
            z.mul(z).add(z).sum().backward();
            assertArrayEquals(new double[] {5, 7}, z.grad().toDoubleArray());
        }
    }

    @Test
    void clearGradFreesTheBufferAndTheNextBackwardStartsFresh() {
        try (Scope outer = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
            x.mul(x).sum().backward();
            Tensor first = x.grad();
            assertArrayEquals(new double[] {2, 4, 6}, first.toDoubleArray());
            x.clearGrad();
            assertEquals(null, x.grad());
            assertThrows(IllegalStateException.class, first::toDoubleArray, "the old buffer is freed");
            x.mul(x).sum().backward();
            assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray(), "not added to the old gradient");
            x.zeroGrad();
            assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray());
        }
    }

    @Test
    void createsAndReadsBack() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new int[] {3, 1}, t.strides());
        assertEquals(6, t.numel());
        assertEquals(DType.F32, t.dtype());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
        assertEquals(6.0, t.getDouble(1, 2));
        assertEquals(4.0, t.getDouble(-1, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.getDouble(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    }

    @Test
    void creationHelpers() {
        assertArrayEquals(new double[] {0, 0, 0}, Tensor.zeros(3).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(DType.F64, 2).toDoubleArray());
        assertArrayEquals(new long[] {0, 1, 2, 3}, Tensor.arange(4).toLongArray());
        assertArrayEquals(new double[] {1, 1.5, 2, 2.5}, Tensor.arange(1, 3, 0.5, Device.CPU, DType.F64).toDoubleArray());
        assertEquals(7.0, Tensor.full(7, Device.CPU, DType.I32, 2, 2).toDoubleArray()[3]);
        assertEquals(3.5, Tensor.scalar(3.5).item());
        assertArrayEquals(new boolean[] {true, false}, Tensor.of(new boolean[] {true, false}).toBooleanArray());
    }

    @Test
    void convertsBetweenDtypes() {
        Tensor t = Tensor.of(new double[] {1.5, -2.25, 3.0e9, 0.1}, 4);
        assertArrayEquals(new long[] {1, -2, 3000000000L, 0}, t.to(DType.I64).toLongArray());
        Tensor bf = t.to(DType.BF16);
        assertEquals(DType.BF16, bf.dtype());
        assertEquals(1.5, bf.toDoubleArray()[0]);
        assertEquals(Floats.bf16ToFloat(Floats.floatToBf16(0.1f)), (float) bf.toDoubleArray()[3]);
        Tensor h = t.to(DType.F16);
        assertEquals(-2.25, h.toDoubleArray()[1]);
        assertEquals(Double.POSITIVE_INFINITY, h.toDoubleArray()[2]);
        long big = (1L << 60) + 1;
        assertEquals(big, Tensor.of(new long[] {big}).to(DType.I64).toLongArray()[0]);
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between two bf16 values: rounds to the even one (1.0)
        assertEquals(1.0f, Floats.bf16ToFloat(Floats.floatToBf16(1.0f + 0x1p-8f)));
        assertEquals(1.0f + 0x1p-7f * 2, Floats.bf16ToFloat(Floats.floatToBf16(1.0f + 0x1p-7f + 0x1p-8f)));
        assertTrue(Float.isNaN(Floats.bf16ToFloat(Floats.floatToBf16(Float.NaN))));
    }

    @Test
    void viewsShareStorage() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor tr = t.transpose(0, 1);
        assertArrayEquals(new int[] {3, 2}, tr.shape());
        assertFalse(tr.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.toFloatArray());
        assertArrayEquals(new float[] {1, 2, 4, 5}, t.narrow(1, 1, 2).toFloatArray());
        assertArrayEquals(new float[] {3, 4, 5}, t.select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {0, 2, 3, 5}, t.slice(1, 0, 3, 2).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, Tensor.of(new float[] {0, 1, 2}, 3).expand(2, 3).toFloatArray());
        assertArrayEquals(new int[] {1, 2, 1, 3}, t.unsqueeze(0).unsqueeze(2).shape());
        assertArrayEquals(new int[] {2, 3}, t.unsqueeze(0).unsqueeze(2).squeeze().shape());
        assertArrayEquals(new int[] {6}, t.flatten(0, 1).shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.reshape(6).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> tr.view(6));
        assertArrayEquals(new int[] {3, 2}, t.view(-1, 2).shape());
        Tensor p = Tensor.arange(24).reshape(2, 3, 4).permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(13.0, p.getDouble(1, 1, 0));
    }

    @Test
    void viewOfTransposedSplitsAndMergesWhereLayoutAllows() {
        Tensor t = Tensor.arange(24).reshape(2, 3, 4).transpose(0, 1); // (3, 2, 4), strides (4, 12, 1)
        assertArrayEquals(new int[] {3, 2, 2, 2}, t.view(3, 2, 2, 2).shape());
        assertThrows(IllegalArgumentException.class, () -> t.view(6, 4));
        assertArrayEquals(t.contiguous().toLongArray(), t.reshape(6, 4).toLongArray());
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, a.add(b).toFloatArray());
        Tensor c = Tensor.of(new float[] {2, 3}, 2, 1);
        assertArrayEquals(new float[] {2, 4, 6, 12, 15, 18}, a.mul(c).toFloatArray());
        assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, a.add(2).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(2)));
        Tensor i = Tensor.of(new long[] {1, 2, 3});
        assertEquals(DType.F32, i.add(b).dtype());
        assertArrayEquals(new long[] {2, 4, 6}, i.add(i).toLongArray());
        assertArrayEquals(new boolean[] {false, true, true}, b.gt(15).toBooleanArray());
    }

    @Test
    void reductions() {
        Tensor a = Tensor.of(new double[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertEquals(21.0, a.sum().item());
        assertArrayEquals(new double[] {5, 7, 9}, a.sum(0, false).toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, a.sum(1, true).shape());
        assertArrayEquals(new double[] {3, 4}, a.mean(1, false).toDoubleArray());
        assertArrayEquals(new double[] {5, 6}, a.max(1, false).toDoubleArray());
        assertArrayEquals(new long[] {1, 2}, a.argmax(1, false).toLongArray());
        assertArrayEquals(new long[] {0, 1}, a.argmin(1, false).toLongArray());
        assertEquals(6.0, a.max().item());
        assertEquals(1.0, a.min().item());
        assertArrayEquals(new double[] {4, 4}, a.var(new int[] {1}, 1, false).toDoubleArray(), 1e-12);
        assertEquals(Math.sqrt(91), a.norm(2, null, false).item(), 1e-12);
        assertEquals(3L, Tensor.of(new boolean[] {true, true, false, true}).sum().toLongArray()[0]);
    }

    @Test
    void matmulFollowsPytorchRules() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new double[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertArrayEquals(new double[] {4, 5, 10, 11}, a.matmul(b).toDoubleArray());
        Tensor v = Tensor.of(new double[] {1, 1, 1}, 3);
        assertArrayEquals(new double[] {6, 15}, a.matmul(v).toDoubleArray());
        assertEquals(3.0, v.matmul(v).item());
        Tensor batch = Tensor.arange(12).to(DType.F64).reshape(2, 2, 3);
        Tensor y = batch.matmul(b);
        assertArrayEquals(new int[] {2, 2, 2}, y.shape());
        assertArrayEquals(new double[] {2, 3, 8, 9, 14, 15, 20, 21}, y.toDoubleArray());
        assertArrayEquals(y.toDoubleArray(), batch.matmul(b.unsqueeze(0).expand(2, 3, 2)).toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
    }
}
