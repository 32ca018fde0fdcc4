package panface.tensor.cpu;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;

import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.cpu.elementwise.CopyKernels;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.Strided;
import panface.tensor.math.VecMath;

/**
 * The differential harness shared by the {@code *DifferentialTest} classes: a fast float32
 * kernel's result is compared element by element with the float64 reference run on the same
 * (float32-representable) inputs. It supplies
 * <ul>
 *   <li>{@link Regime}s, rows chosen to break kernels (large magnitudes, a tiny variance on a large
 *   offset, all-equal rows, NaN, infinities, -inf masks), at the {@link #LENGTHS} that stress
 *   vector tails (1, below, at and above the vector width, and very long rows);</li>
 *   <li>{@link Layout}s, the same logical values stored contiguously, at an offset, with a stride,
 *   transposed or broadcast, for inputs and (sentinel-guarded) outputs;</li>
 *   <li>{@link #assertAgrees}, the comparison: NaN exactly where the reference has NaN, the same
 *   infinity where it has one, and elsewhere an error within a per-element {@link Bound} (the
 *   bounds with their reasons are in {@link Tolerances}).</li>
 * </ul>
 * A new kernel's test needs only these three: build inputs from a regime and a layout, run the
 * reference into float64 outputs and the kernel into float32 ones, and call assertAgrees with the
 * op's bound.
 */
public final class Differential {
    /** Unit roundoff of float32 (half an ulp of 1). */
    public static final double U = 0x1p-24;
    /** -Ddifferential.report=true prints each comparison's worst error as a fraction of its bound (to see how tight a bound is). */
    private static final boolean REPORT = Boolean.getBoolean("differential.report");
    /** Float lanes of the vector kernels on this machine: the lengths below are placed around it. */
    public static final int LANES = VecMath.S.length();
    /** Row lengths: one element, fewer than a vector, exactly one, one more, several plus a tail, many plus a tail. */
    static final int[] LENGTHS = {1, LANES - 1, LANES, LANES + 1, 2 * LANES + 1, 4 * LANES + 3, 1021};
    /** A row long enough for rounding to accumulate and for threads to split the work. */
    public static final int LONG_ROW = 100_003;
    /** {@link #LENGTHS} and then {@link #LONG_ROW}. */
    public static final int[] LENGTHS_AND_LONG_ROW = withLongRow(LENGTHS);
    /** What untouched output storage holds: a value no kernel produces from the inputs here. */
    static final float SENTINEL = -123456.75f;

    private Differential() {
    }

    /** The allowed |fast - reference| at element i (row-major over the output's shape). */
    @FunctionalInterface
    public interface Bound {
        double at(int i);
    }

    // ---- comparison -----------------------------------------------------------------------------

    /**
     * Asserts that got (float32, any layout) agrees with want (the float64 reference, row-major):
     * NaN where want is NaN and only there, the same infinity where want is infinite, and
     * |got - want| &lt;= bound elsewhere. The message names the worst element and its bound.
     */
    public static void assertAgrees(String what, double[] want, Tensor got, Bound bound) {
        double[] g = got.toDoubleArray();
        assertAgrees(what, want, g, bound);
    }

    public static void assertAgrees(String what, double[] want, double[] got, Bound bound) {
        if (want.length != got.length) {
            fail(what + ": " + got.length + " elements, the reference has " + want.length);
        }
        int worst = -1;
        double worstRatio = 1;
        double largest = 0;
        for (int i = 0; i < want.length; i++) {
            // a float32 result past Float.MAX_VALUE is an infinity, as the float32 op's
            double w = Float.isInfinite((float) want[i]) ? (float) want[i] : want[i];
            double g = got[i];
            if (Double.isNaN(w) || Double.isNaN(g)) {
                if (Double.isNaN(w) != Double.isNaN(g)) {
                    fail(what + " element " + i + ": fast " + g + ", reference " + w + " (NaN must match NaN)");
                }
                continue;
            }
            if (Double.isInfinite(w) || Double.isInfinite(g)) {
                if (w != g) {
                    fail(what + " element " + i + ": fast " + g + ", reference " + w + " (infinities must match exactly)");
                }
                continue;
            }
            // a bound that is not finite came from a NaN or infinite input; the finite results
            // those give (relu'(NaN) = 0, tanh(inf) = 1) are exact
            double b = bound.at(i);
            b = Double.isFinite(b) ? b : 0;
            double err = Math.abs(g - w);
            double ratio = err == 0 ? 0 : err / b;
            largest = Math.max(largest, ratio);
            if (err > b && ratio >= worstRatio) {
                worst = i;
                worstRatio = ratio;
            }
        }
        if (REPORT) {
            System.out.printf("differential %-70s worst error / bound = %.3g%n", what, largest);
        }
        if (worst >= 0) {
            fail(what + " element " + worst + " of " + want.length + ": fast " + got[worst] + ", reference " + want[worst] + ", error "
                    + Math.abs(got[worst] - want[worst]) + " exceeds its bound " + bound.at(worst) + " (taken as 0 if not finite) " + worstRatio + " times");
        }
    }

    /** Asserts NaN (or, for expected non-NaN values, exact equality) at every element: for results PyTorch defines exactly. */
    public static void assertExactly(String what, double[] want, Tensor got) {
        assertAgrees(what, want, got, i -> 0);
    }

    // ---- inputs: regimes ------------------------------------------------------------------------

    /** Kinds of row content. Each fills a row of n values from a seeded random source. */
    public enum Regime {
        /** Standard normal times 3: the easy case the older parity tests used. */
        NORMAL,
        /** Uniform in [-1e4, 1e4]: exp overflows without the max shift; shifts lose digits. */
        LARGE,
        /**
         * 12345.678 + 1e-3 N(0, 1): the variance is tiny beside the mean (float32 keeps about one bit
         * of the noise). An offset that is not a round number: sums of 1e4 + noise are often exact in
         * float32 and hide rounding that sums of this one show.
         */
        TINY_VARIANCE,
        /** 12345.678 + N(0, 1): a large offset with a variance float32 still resolves (conditioning |x| / sigma about 1e4). */
        OFFSET,
        /** Every element 7.25: zero variance, uniform softmax. */
        ALL_EQUAL,
        /** One element 1e4 above the rest (a saturated softmax). */
        ONE_HOT,
        /** Normal with about a third of the row at -inf (an attention mask), the first element kept finite. */
        MASKED,
        /** Every element -inf (a fully masked row). */
        ALL_MASKED,
        /** Normal with one +inf. */
        POS_INF,
        /** Normal with one NaN. */
        NAN;

        float[] row(SplittableRandom rnd, int n) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (this) {
                    case NORMAL, MASKED, POS_INF, NAN -> (float) (3 * gaussian(rnd));
                    case LARGE -> (float) (2e4 * rnd.nextDouble() - 1e4);
                    case TINY_VARIANCE -> (float) (12345.678 + 1e-3 * gaussian(rnd));
                    case OFFSET -> (float) (12345.678 + gaussian(rnd));
                    case ALL_EQUAL -> 7.25f;
                    case ONE_HOT -> 0f;
                    case ALL_MASKED -> Float.NEGATIVE_INFINITY;
                };
            }
            int at = rnd.nextInt(n);
            switch (this) {
                case ONE_HOT -> v[at] = 1e4f;
                case POS_INF -> v[at] = Float.POSITIVE_INFINITY;
                case NAN -> v[at] = Float.NaN;
                case MASKED -> {
                    for (int i = 1; i < n; i++) {
                        if (rnd.nextInt(3) == 0) {
                            v[i] = Float.NEGATIVE_INFINITY;
                        }
                    }
                }
                default -> {
                }
            }
            return v;
        }
    }

    /** rows x cols values, each row drawn from the regime. */
    public static float[] rows(Regime r, SplittableRandom rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(r.row(rnd, cols), 0, v, i * cols, cols);
        }
        return v;
    }

    public static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double w = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w);
    }

    /** n normal values times scale. */
    public static float[] normal(SplittableRandom rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * gaussian(rnd));
        }
        return v;
    }

    /** The values as double (exactly: every float is a double). */
    public static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    // ---- inputs and outputs: layouts ------------------------------------------------------------

    /** Ways to store the same logical values. */
    public enum Layout {
        /** Row-major from storage offset 0. */
        CONTIGUOUS,
        /** Row-major from storage offset 5, with storage after the end: a narrowed view. */
        OFFSET,
        /** The last dimension at stride 2 (every other element of a wider buffer), offset 3. */
        STRIDED,
        /** Stored with the last two dimensions swapped and viewed back (a transposed view); rank 1 as STRIDED. */
        TRANSPOSED;

        /** Whether the fast kernels, which need row-major data, take this layout. */
        public boolean rowMajor() {
            return this == CONTIGUOUS || this == OFFSET;
        }
    }

    /** A float32 tensor of the given shape and logical (row-major) values, stored as the layout says; other storage holds the sentinel. */
    public static Tensor place(Layout layout, float[] values, int... shape) {
        Tensor t = empty(layout, DType.F32, shape);
        float[] data = Ref.storage(viewOf(t)).floats();
        int[] off = Strided.offsets(viewOf(t));
        for (int i = 0; i < off.length; i++) {
            data[off[i]] = values[i];
        }
        return t;
    }

    /** A sentinel-filled float32 (or float64) view of the shape in the layout, for outputs: see {@link #assertOnlyViewWritten}. */
    public static Tensor empty(Layout layout, DType dtype, int... shape) {
        int n = Shape.numel(shape);
        int r = shape.length;
        Tensor t;
        switch (layout) {
            case CONTIGUOUS -> t = Tensor.wrap(storage(dtype, n), 0, shape, Shape.contiguousStrides(shape));
            case OFFSET -> t = Tensor.wrap(storage(dtype, n + 9), 5, shape, Shape.contiguousStrides(shape));
            case STRIDED -> {
                int[] wide = shape.clone();
                if (r > 0) {
                    wide[r - 1] = 2 * shape[r - 1];
                }
                int[] strides = Shape.contiguousStrides(wide);
                if (r > 0) {
                    strides[r - 1] = 2;
                }
                t = Tensor.wrap(storage(dtype, Shape.numel(wide) + 4), 3, shape, strides);
            }
            case TRANSPOSED -> {
                if (r < 2) {
                    return empty(Layout.STRIDED, dtype, shape);
                }
                int[] swapped = shape.clone();
                swapped[r - 1] = shape[r - 2];
                swapped[r - 2] = shape[r - 1];
                t = Tensor.wrap(storage(dtype, n), 0, swapped, Shape.contiguousStrides(swapped)).transpose(r - 2, r - 1);
            }
            default -> throw new IllegalStateException();
        }
        return t;
    }

    private static Storage storage(DType dtype, int n) {
        Storage s = CpuBackend.INSTANCE.allocate(dtype, n);
        Tensor all = Tensor.wrap(s, 0, new int[] {n}, new int[] {1});
        CopyKernels.fill(viewOf(all), SENTINEL);
        return s;
    }

    /** A float32 view of shape whose values are row's, repeated along every leading dimension with stride 0 (a broadcast). */
    public static Tensor broadcastRows(float[] row, int... shape) {
        int r = shape.length;
        int[] strides = new int[r];
        strides[r - 1] = 1;
        Tensor base = Tensor.of(row.clone(), row.length);
        return Tensor.wrap(base.storage(), 0, shape, strides);
    }

    /** Asserts that nothing outside the view was written: every storage element it does not cover still holds the sentinel. */
    public static void assertOnlyViewWritten(String what, Tensor view) {
        boolean[] inView = new boolean[view.storage().numel()];
        for (int o : Strided.offsets(viewOf(view))) {
            inView[o] = true;
        }
        Tensor all = Tensor.wrap(view.storage(), 0, new int[] {inView.length}, new int[] {1});
        double[] v = all.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!inView[i] && v[i] != SENTINEL) {
                fail(what + ": storage element " + i + " outside the output view " + Arrays.toString(view.shape()) + " strides "
                        + Arrays.toString(view.strides()) + " offset " + view.offset() + " was overwritten with " + v[i]);
            }
        }
    }

    /** A float64 tensor of the shape for a reference's outputs. */
    public static Tensor f64(int... shape) {
        return Tensor.zeros(DType.F64, shape);
    }

    /** Asserts that a fast kernel took (or, for layouts it does not handle, declined) the operands. */
    public static void assertTaken(String what, boolean taken, boolean expected) {
        assertTrue(taken == expected, what + (expected ? ": the fast kernel declined operands it handles" : ": the fast kernel took operands it does not handle"));
    }

    /** The given lengths followed by {@link #LONG_ROW}. */
    public static int[] withLongRow(int[] lengths) {
        int[] l = java.util.Arrays.copyOf(lengths, lengths.length + 1);
        l[lengths.length] = LONG_ROW;
        return l;
    }
}
