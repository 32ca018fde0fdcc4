package panface.tensor.math;

/**
 * A function of |x| on [0, {@link #PIECES} x width] as {@link #PIECES} polynomials, one per
 * interval of the given width, for the GELU kernels ({@link VecMath#erfAbsOverSqrt2},
 * {@link VecMath#geluDerivative}): with w = |x| / width - 1/2, piece i serves w in
 * [i - 1/2, i + 1/2] as a polynomial in v = w - i, v in [-1/2, 1/2]. A vector of
 * {@link #PIECES} lanes holds one coefficient of every piece, so each lane finds its own by an
 * in-register permute: no division, no exponential, only multiplications and additions, which
 * round the same way in every JIT tier. Each polynomial interpolates the function (computed in
 * double) at the degree + 1 Chebyshev nodes of its piece; the coefficients are computed at class
 * load, so that nothing in the source is a magic number.
 */
final class PiecewisePolynomial {
    static final int PIECES = 8;

    private PiecewisePolynomial() {
    }

    /** c[q][i]: the coefficient of v^q in piece i, rounded to float, for f(a) on pieces of the given width in a. */
    static float[][] coefficients(java.util.function.DoubleUnaryOperator f, double width, int degree) {
        int n = degree + 1;
        float[][] c = new float[n][PIECES];
        for (int i = 0; i < PIECES; i++) {
            double[] v = new double[n];
            double[] y = new double[n];
            for (int j = 0; j < n; j++) {
                v[j] = 0.5 * Math.cos(Math.PI * (j + 0.5) / n);
                y[j] = f.applyAsDouble((i + v[j] + 0.5) * width);
            }
            double[] p = interpolate(v, y);
            for (int q = 0; q < n; q++) {
                c[q][i] = (float) p[q];
            }
        }
        return c;
    }

    /** The monomial coefficients of the polynomial through (v[j], f[j]): the Vandermonde system solved with partial pivoting. */
    static double[] interpolate(double[] v, double[] f) {
        int n = v.length;
        double[][] a = new double[n][n + 1];
        for (int j = 0; j < n; j++) {
            double power = 1;
            for (int q = 0; q < n; q++) {
                a[j][q] = power;
                power *= v[j];
            }
            a[j][n] = f[j];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] row = a[col];
            a[col] = a[pivot];
            a[pivot] = row;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double factor = a[r][col] / a[col][col];
                    for (int q = col; q <= n; q++) {
                        a[r][q] -= factor * a[col][q];
                    }
                }
            }
        }
        double[] p = new double[n];
        for (int q = 0; q < n; q++) {
            p[q] = a[q][n] / a[q][q];
        }
        return p;
    }
}
