package panface.tensor.cpu.rows;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.math.VecMath;

/**
 * Float32 column sums of a contiguous row-major (rows x cols) block: a bias gradient, a batch's
 * mean. Each thread owns a range of columns and walks the rows in order, adding each row's
 * segment of its columns to partial sums kept in a small array. Walking one column vector down
 * all rows instead reads one vector per row at a stride of the row length, which at a
 * power-of-two row length lands every read in the same cache sets and uses half of each line
 * fetched; the row walk reads memory front to back.
 * <p>
 * The rows go in blocks of about sqrt(rows), each block summed apart and then added to the
 * total: one running sum per column would round at the size of the whole sum on every row, and
 * for same-sign values of similar size mostly in one direction, so its error would grow with the
 * rows. Every column's additions happen in the same order whichever way the columns are split.
 */
final class ColumnSums {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();
    /** Columns summed together in one walk down the rows: the block and total sums stay in the first-level cache. */
    private static final int TILE = 1024;

    private ColumnSums() {
    }

    /** out[oo + c] = sum over r of x[xo + r * cols + c], for c in [0, cols). */
    static void sum(float[] x, int xo, int rows, int cols, float[] out, int oo) {
        int block = Math.max(1, (int) Math.sqrt(rows));
        Parallel.forRange(cols, Math.max(L, VecElementwise.GRAIN / Math.max(1, rows)), (lo, hi) -> {
            int width = Math.min(TILE, hi - lo);
            float[] acc = new float[width];
            float[] total = new float[width];
            for (int c0 = lo; c0 < hi; c0 += TILE) {
                int w = Math.min(TILE, hi - c0);
                Arrays.fill(total, 0, w, 0f);
                for (int i0 = 0; i0 < rows; i0 += block) {
                    int i1 = Math.min(rows, i0 + block);
                    Arrays.fill(acc, 0, w, 0f);
                    for (int i = i0; i < i1; i++) {
                        addRow(x, xo + i * cols + c0, acc, w);
                    }
                    addRow(acc, 0, total, w);
                }
                System.arraycopy(total, 0, out, oo + c0, w);
            }
        });
    }

    /** acc[j] += a[o + j] for j in [0, w). */
    private static void addRow(float[] a, int o, float[] acc, int w) {
        int j = 0;
        for (; j + L <= w; j += L) {
            FloatVector.fromArray(S, acc, j).add(FloatVector.fromArray(S, a, o + j)).intoArray(acc, j);
        }
        for (; j < w; j++) {
            acc[j] += a[o + j];
        }
    }
}
