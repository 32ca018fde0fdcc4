package panface.faceloss.gif;

import java.util.stream.IntStream;

/**
 * Spreads unit code vectors over the hypersphere ("hypersphere homogenisation"). GIF's Eq. 6 is
 * not published; the objective here is the reference's guess [UNVERIFIED]:
 *
 * <pre>
 * L(V) = log sum_{a != b} exp(t V_a . V_b) + (lambda / m) sum_y |V_y - V0_y|^2
 * </pre>
 *
 * over unit rows V_y, with V0 the initial code vectors (the anchor is a mean over identities, so
 * both terms stay O(1) whatever m). One step is a projected gradient step:
 * V_a &lt;- normalize(V_a - lr * m * dL/dV_a), with
 * dL/dV_a = (2t / Z) sum_{b != a} exp(t V_a . V_b) V_b + (2 lambda / m) (V_a - V0_a). Every row's
 * gradient is O(1/m), so the step is scaled by m to make the learning rate independent of the
 * number of identities.
 *
 * <p>The step is computed in blocks of rows and columns: a first sweep sums Z, a second forms
 * each row block's gradient against every column block, so only a (rows x cols) block of
 * similarities exists at a time. The new vectors go to a second buffer, since every row's
 * gradient must see the old vectors. Memory for m identities of dimension d in float32: the
 * vectors, the next vectors and the anchor V0 (absent when lambda = 0), 3 * m * d * 4 bytes, plus
 * threads * rows * cols * 8 bytes of block scratch: for m = 10M, d = 512 that is 61.4 GB (41.0
 * GB without the anchor) plus 2 MB per thread with 512 x 512 blocks. The time is 4 m^2 d
 * multiply-adds per step (two sweeps), the part that does not scale: 10M identities take about
 * 2e17 operations a step.
 */
public final class Homogenisation {
    /**
     * Options; defaults are the reference's suggestions (t about 2, a small anchor, a few
     * thousand steps) and none is verified against the paper.
     *
     * @param temperature t in exp(t V_a . V_b); larger t pushes only the nearest neighbours apart
     * @param anchor      lambda: pull towards the initial vectors, so that codes keep the
     *                    generic model's similarity structure
     * @param lr          step size (per identity, see the class comment)
     * @param blockRows   rows per block (and columns per block), a memory/speed trade-off only
     */
    public record Options(double temperature, double anchor, double lr, int blockRows) {
        public Options {
            if (!(temperature > 0) || !(anchor >= 0) || !(lr > 0) || blockRows <= 0) {
                throw new IllegalArgumentException("homogenisation needs t > 0, lambda >= 0, lr > 0 and blockRows > 0");
            }
        }

        /** t = 2, lambda = 0.1, lr = 0.05, 512-row blocks. */
        public static Options defaults() {
            return new Options(2.0, 0.1, 0.05, 512);
        }

        /** The same options with another block size. */
        public Options withBlockRows(int rows) {
            return new Options(temperature, anchor, lr, rows);
        }
    }

    private final Options options;
    private final float[][] anchor;
    private float[][] current;
    private float[][] next;
    private final int dim;

    /** Starts from unit vectors v (m, d), which also become the anchor (copied only if lambda > 0). */
    public Homogenisation(float[][] v, Options options) {
        this(v, options.anchor() > 0 ? copy(v) : null, options);
    }

    /**
     * Resumes from unit vectors v (m, d) with the anchor V0 (m, d), which may be null only when
     * lambda = 0; neither is copied.
     */
    public Homogenisation(float[][] v, float[][] anchor, Options options) {
        if (v.length < 2) {
            throw new IllegalArgumentException("homogenisation needs at least two vectors");
        }
        if (options.anchor() > 0 && (anchor == null || anchor.length != v.length)) {
            throw new IllegalArgumentException("lambda > 0 needs an anchor with one row per vector");
        }
        this.options = options;
        this.dim = v[0].length;
        for (int i = 0; i < v.length; i++) {
            if (v[i].length != dim || (anchor != null && anchor[i].length != dim)) {
                throw new IllegalArgumentException("code vectors differ in dimension");
            }
        }
        this.current = v;
        this.next = new float[v.length][dim];
        this.anchor = options.anchor() > 0 ? anchor : null;
    }

    private static float[][] copy(float[][] v) {
        float[][] c = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            c[i] = v[i].clone();
        }
        return c;
    }

    /** The current vectors (m, d). */
    public float[][] vectors() {
        return current;
    }

    /** The objective at the current vectors. */
    public double loss() {
        double logZ = logPartition();
        return logZ + anchorTerm();
    }

    /** One projected gradient step; returns the objective before it. */
    public double step() {
        int m = current.length;
        double logZ = logPartition();
        double before = logZ + anchorTerm();
        double t = options.temperature();
        // exp(t s) / Z with every sum shifted by t (s <= 1 for unit rows) so nothing overflows
        double coef = 2 * t * Math.exp(-(logZ - t));
        int br = options.blockRows();
        int blocks = (m + br - 1) / br;
        double scale = options.lr() * m;
        IntStream.range(0, blocks).parallel().forEach(blk -> {
            int a0 = blk * br;
            int a1 = Math.min(m, a0 + br);
            double[][] g = new double[a1 - a0][dim];
            double[] s = new double[(a1 - a0) * br];
            for (int b0 = 0; b0 < m; b0 += br) {
                int b1 = Math.min(m, b0 + br);
                similarities(a0, a1, b0, b1, s);
                for (int a = a0; a < a1; a++) {
                    double[] ga = g[a - a0];
                    for (int b = b0; b < b1; b++) {
                        if (a == b) {
                            continue;
                        }
                        double w = Math.exp(t * (s[(a - a0) * br + (b - b0)] - 1));
                        float[] vb = current[b];
                        for (int i = 0; i < dim; i++) {
                            ga[i] += w * vb[i];
                        }
                    }
                }
            }
            for (int a = a0; a < a1; a++) {
                double[] ga = g[a - a0];
                float[] va = current[a];
                double[] u = new double[dim];
                double n = 0;
                for (int i = 0; i < dim; i++) {
                    double grad = coef * ga[i];
                    if (anchor != null) {
                        grad += 2 * options.anchor() / m * ((double) va[i] - anchor[a][i]);
                    }
                    u[i] = va[i] - scale * grad;
                    n += u[i] * u[i];
                }
                n = Math.sqrt(n);
                float[] out = next[a];
                for (int i = 0; i < dim; i++) {
                    out[i] = (float) (u[i] / n);
                }
            }
        });
        float[][] tmp = current;
        current = next;
        next = tmp;
        return before;
    }

    /** log Z = log sum_{a != b} exp(t V_a . V_b), summed block by block with the shift t. */
    double logPartition() {
        int m = current.length;
        int br = options.blockRows();
        int blocks = (m + br - 1) / br;
        double t = options.temperature();
        double[] partial = new double[blocks];
        IntStream.range(0, blocks).parallel().forEach(blk -> {
            int a0 = blk * br;
            int a1 = Math.min(m, a0 + br);
            double[] s = new double[(a1 - a0) * br];
            double sum = 0;
            for (int b0 = 0; b0 < m; b0 += br) {
                int b1 = Math.min(m, b0 + br);
                similarities(a0, a1, b0, b1, s);
                for (int a = a0; a < a1; a++) {
                    for (int b = b0; b < b1; b++) {
                        if (a != b) {
                            sum += Math.exp(t * (s[(a - a0) * br + (b - b0)] - 1));
                        }
                    }
                }
            }
            partial[blk] = sum;
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return t + Math.log(total);
    }

    private double anchorTerm() {
        if (anchor == null) {
            return 0;
        }
        double sum = 0;
        for (int y = 0; y < current.length; y++) {
            for (int i = 0; i < dim; i++) {
                double d = (double) current[y][i] - anchor[y][i];
                sum += d * d;
            }
        }
        return options.anchor() / current.length * sum;
    }

    /** s[(a - a0) * blockRows + (b - b0)] = V_a . V_b for the block, in float64. */
    private void similarities(int a0, int a1, int b0, int b1, double[] s) {
        int br = options.blockRows();
        for (int a = a0; a < a1; a++) {
            float[] va = current[a];
            for (int b = b0; b < b1; b++) {
                float[] vb = current[b];
                double d = 0;
                for (int i = 0; i < dim; i++) {
                    d += (double) va[i] * vb[i];
                }
                s[(a - a0) * br + (b - b0)] = d;
            }
        }
    }
}
