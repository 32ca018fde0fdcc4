package panface.tensor.cpu.elementwise;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.cpu.Chosen;
import panface.tensor.cpu.KernelViews;
import panface.tensor.cpu.runtime.Rows;
import panface.tensor.ops.Views;
import panface.tensor.random.Generator;

/**
 * The row kernels for comparisons, where and broadcast arithmetic against the reference kernels,
 * bit for bit (they compute the same float operations; only the bookkeeping differs), on the
 * layouts that merge (PReLU's (N, C, H, W) against (1, C, 1, 1)), offsets, transposed views and
 * special values.
 */
class SelectKernelsTest {
    private static final int[][][] SHAPES = {
        {{2, 5, 6, 7}, {1, 5, 1, 1}}, {{1, 5, 1, 1}, {2, 5, 6, 7}}, {{7, 33}, {7, 33}}, {{7, 33}, {33}}, {{3, 1, 40}, {5, 40}},
        {{1}, {5, 9}}, {{4, 1}, {1}}, {{300, 257}, {257}}};
    private final Generator gen = new Generator(7);

    /** Random values with zeros of both signs, NaN and infinities mixed in, at a storage offset. */
    private Tensor values(int[] shape) {
        int n = Shape.numel(shape);
        float[] v = Tensor.randn(gen, n + 3).toFloatArray();
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f};
        for (int i = 0; i < n; i += 5) {
            v[3 + i] = special[(i / 5) % special.length];
        }
        return Tensor.of(v, n + 3).narrow(0, 3, n).reshape(shape);
    }

    private static void same(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.to(DType.F64).toDoubleArray(), got.to(DType.F64).toDoubleArray(), 0.0, what);
    }

    @Test
    void comparisonsMatchTheReference() {
        for (int[][] s : SHAPES) {
            int[] out = Shape.broadcast(s[0], s[1]);
            Tensor a = Views.broadcastTo(values(s[0]), out);
            Tensor b = Views.broadcastTo(values(s[1]), out);
            for (BinaryOp op : Arrays.stream(BinaryOp.values()).filter(BinaryOp::isComparison).toList()) {
                Tensor ref = Tensor.zeros(panface.tensor.Device.CPU, DType.BOOL, out);
                Tensor fast = Tensor.zeros(panface.tensor.Device.CPU, DType.BOOL, out);
                ElementwiseReference.binary(op, viewOf(a), viewOf(b), viewOf(ref));
                assertTrue(Chosen.compare(op, a, b, fast), op + " " + java.util.Arrays.deepToString(s));
                same(ref, fast, op + " " + java.util.Arrays.deepToString(s));
            }
        }
    }

    @Test
    void whereMatchesTheReference() {
        for (int[][] s : SHAPES) {
            int[] out = Shape.broadcast(s[0], s[1]);
            Tensor cond = Views.broadcastTo(values(s[1]).gt(0.0), out);
            Tensor a = Views.broadcastTo(values(s[0]), out);
            Tensor b = Views.broadcastTo(values(s[1]), out);
            Tensor ref = Tensor.zeros(out);
            Tensor fast = Tensor.zeros(out);
            ElementwiseReference.where(viewOf(cond), viewOf(a), viewOf(b), viewOf(ref));
            assertTrue(Chosen.where(cond, a, b, fast), java.util.Arrays.deepToString(s));
            same(ref, fast, "where " + java.util.Arrays.deepToString(s));
        }
    }

    @Test
    void broadcastArithmeticMatchesTheReference() {
        for (int[][] s : SHAPES) {
            int[] out = Shape.broadcast(s[0], s[1]);
            Tensor a = Views.broadcastTo(values(s[0]), out);
            Tensor b = Views.broadcastTo(values(s[1]), out);
            for (BinaryOp op : Arrays.stream(BinaryOp.values()).filter(BinaryOp::hasVectorForm).toList()) {
                Tensor ref = Tensor.zeros(out);
                Tensor fast = Tensor.zeros(out);
                ElementwiseReference.binary(op, viewOf(a), viewOf(b), viewOf(ref));
                assertTrue(Chosen.binary(op, a, b, fast), op + " " + java.util.Arrays.deepToString(s));
                same(ref, fast, op + " " + java.util.Arrays.deepToString(s));
            }
        }
    }

    @Test
    void aTransposedOperandIsLeftToTheReference() {
        Tensor a = values(new int[] {6, 5}).transpose(0, 1);
        Tensor b = values(new int[] {5, 6});
        Tensor out = Tensor.zeros(panface.tensor.Device.CPU, DType.BOOL, 5, 6);
        assertFalse(Chosen.compare(BinaryOp.GT, a, b, out));
        assertFalse(Chosen.where(b.gt(0.0), a, b, Tensor.zeros(5, 6)));
        assertNull(Rows.layout(new int[] {5, 6}, new int[][] {{1, 5}}, new int[] {0}), "no row layout for it");
        Rows.Layout merged = Rows.layout(new int[] {2, 5, 6, 7}, new int[][] {{0, 1, 0, 0}, {210, 42, 7, 1}}, new int[] {0, 0});
        assertEquals(42, merged.cols(), "a per-channel operand against (N, C, H, W): rows of H * W");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4}, merged.starts()[0]);
        assertArrayEquals(new int[] {0, 1}, merged.lastStrides());
    }
}
