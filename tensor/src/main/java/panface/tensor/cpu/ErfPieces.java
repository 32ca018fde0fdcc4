package panface.tensor.cpu;

/**
 * The coefficients of GELU's piecewise erf ({@link VecMath#erfAbsOverSqrt2}): erf(z) for z = |x| /
 * sqrt 2 in [0, 4] as {@link #PIECES} polynomials of degree {@link #DEGREE}. With
 * w = |x| sqrt 2 - 1/2 (that is 2z - 1/2), piece i serves w in [i - 1/2, i + 1/2] (z in
 * [i/2, (i+1)/2]) as a polynomial in v = w - i, v in [-1/2, 1/2]; past z = 4 erf is 1 to 1.5e-8
 * and the last piece is evaluated at 4. Each polynomial interpolates erf (to 1e-15, from
 * {@link ScalarMath#erf}) at the {@link #DEGREE} + 1 Chebyshev nodes of its piece, which keeps
 * it within 2e-8 of erf in exact arithmetic; the coefficients are computed here at class load,
 * so that nothing in the source is a magic number.
 */
final class ErfPieces {
    static final int PIECES = 8;
    static final int DEGREE = 6;

    private ErfPieces() {
    }

    /** c[q][i]: the coefficient of v^q in piece i, rounded to float. */
    static float[][] coefficients() {
        int n = DEGREE + 1;
        float[][] c = new float[n][PIECES];
        for (int i = 0; i < PIECES; i++) {
            double[] v = new double[n];
            double[] f = new double[n];
            for (int j = 0; j < n; j++) {
                v[j] = 0.5 * Math.cos(Math.PI * (j + 0.5) / n);
                f[j] = ScalarMath.erf((i + v[j] + 0.5) / 2);
            }
            double[] p = interpolate(v, f);
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
