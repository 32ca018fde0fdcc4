package panface.faceloss;

import panface.tensor.Tensor;

/**
 * Float64 reference arithmetic for the loss tests, written out on plain arrays so that an
 * expected value never passes through the library's own ops.
 */
final class Ref64 {
    private Ref64() {
    }

    /** The rows of a 2-D tensor. */
    static double[][] rows(Tensor t) {
        double[] flat = t.toDoubleArray();
        int r = t.size(0);
        int c = t.size(1);
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, out[i], 0, c);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** a / max(|a|, 1e-12), as F.normalize. */
    static double[] unit(double[] a) {
        double n = Math.max(norm(a), 1e-12);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] / n;
        }
        return out;
    }

    static double[][] unitRows(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = unit(a[i]);
        }
        return out;
    }

    /** Cosines of every row of a with every row of b (B, C). */
    static double[][] cosines(double[][] a, double[][] b) {
        double[][] ua = unitRows(a);
        double[][] ub = unitRows(b);
        double[][] c = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                c[i][j] = dot(ua[i], ub[j]);
            }
        }
        return c;
    }

    static double logSumExp(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }

    static double[] softmax(double[] z) {
        double lse = logSumExp(z);
        double[] p = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] - lse);
        }
        return p;
    }

    /** -log softmax(z)_y. */
    static double crossEntropy(double[] z, int y) {
        return logSumExp(z) - z[y];
    }

    /**
     * The gradient w.r.t. the raw embeddings e (B, D) of a loss whose gradient w.r.t. the cosines
     * cos(e_i, w_j) is g (B, C): the chain through the product with the unit centres and through
     * the normalisation of e, (h - e^ (e^ . h)) / |e| with h = sum_j g_ij w^_j.
     */
    static double[][] embeddingGradient(double[][] g, double[][] e, double[][] w) {
        double[][] uw = unitRows(w);
        double[][] out = new double[e.length][];
        for (int i = 0; i < e.length; i++) {
            int d = e[i].length;
            double[] h = new double[d];
            for (int j = 0; j < uw.length; j++) {
                for (int k = 0; k < d; k++) {
                    h[k] += g[i][j] * uw[j][k];
                }
            }
            double[] x = unit(e[i]);
            double xh = dot(x, h);
            double n = norm(e[i]);
            out[i] = new double[d];
            for (int k = 0; k < d; k++) {
                out[i][k] = (h[k] - x[k] * xh) / n;
            }
        }
        return out;
    }

    static double[] flat(double[][] a) {
        int c = a[0].length;
        double[] out = new double[a.length * c];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * c, c);
        }
        return out;
    }

    /** A 2-D float64 tensor of the rows. */
    static Tensor tensor(double[][] a) {
        return Tensor.of(flat(a), a.length, a[0].length);
    }
}
