package panface.faceloss.gif;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * {@link Homogenisation}'s objective for a number of identities m too large for its all-pairs
 * step: each step takes one block A of rows (consecutive, cycling through all rows) and a sample N
 * of columns drawn uniformly with replacement, and moves only A's rows, in place.
 *
 * <p>The full step is V_a &lt;- normalize(V_a - lr m dL/dV_a) with
 * m dL/dV_a = 2t m sum_{b != a} exp(t s_ab) V_b / Z + 2 lambda (V_a - V0_a) and
 * Z = sum_{a != b} exp(t s_ab). Both sums are estimated from A x N, whose scale factors
 * (m - 1) / |N| and m (m - 1) / (|A| |N|) cancel in the ratio except for m / |A|:
 *
 * <pre>
 * V_a &lt;- normalize(V_a - lr (2t |A| sum_{b in N, b != a} e_ab V_b / sum_{a' in A, b in N, b != a'} e_a'b
 *                           + 2 lambda (V_a - V0_a))),   e_ab = exp(t (s_ab - 1))
 * </pre>
 *
 * so with A and N every row (block = m, sample = m without replacement) the step is exactly the full
 * one (tested). Every row of A sees the others' old values (the new rows go to a block buffer first).
 *
 * <p>Memory for m identities of dimension d in float32: the vectors (the caller's m float[d]
 * rows), the anchor V0 (another m rows, absent when lambda = 0), and a scratch of block x sample
 * similarities and block x d gradients in float64, the sample's indices and three per-row sums:
 * {@link #bytesFor}: 4md + 4md + 8 block sample + 8 block d + 4 sample + 24 block, plus an array
 * header and a reference per row. For m = 10M, d = 512 with 1024-row blocks and 8192 samples:
 * 41.0 GB (20.5 GB without the anchor) plus 71 MB of scratch and about 0.5 GB of row headers and
 * references, against
 * {@link Homogenisation}'s 61.4 GB; a step costs 4 block sample d operations (1.7e10 here), a sweep
 * over all rows m / block steps (1.7e14), instead of 4 m^2 d (2e17) for one full step.
 */
public final class SampledHomogenisation {
    /**
     * Options.
     *
     * @param base   t, lambda and lr as {@link Homogenisation.Options} (its block size is not used)
     * @param block  rows moved per step (|A|)
     * @param sample columns drawn per step (|N|); with sample &gt;= m every column is taken, once
     * @param seed   the sampler's seed
     */
    public record Options(Homogenisation.Options base, int block, int sample, long seed) {
        public Options {
            if (block <= 0 || sample <= 0) {
                throw new IllegalArgumentException("sampled homogenisation needs block > 0 and sample > 0");
            }
        }

        /** The reference's t, lambda and lr with 1024-row blocks and 8192 sampled columns. */
        public static Options defaults() {
            return new Options(Homogenisation.Options.defaults(), 1024, 8192, 0);
        }
    }

    private final Options options;
    private final float[][] v;
    private final float[][] anchor;
    private final int dim;
    private final int block;
    private final int sample;
    private final double[] sims;
    private final double[] grads;
    private final int[] columns;
    private final double[] rowSum;
    private final long[] rowPairs;
    private final double[] anchorSq;
    private final SplittableRandom random;
    private int nextRow;

    /** Works in place on unit vectors v (m, d), which are copied as the anchor when lambda > 0. */
    public SampledHomogenisation(float[][] v, Options options) {
        if (v.length < 2) {
            throw new IllegalArgumentException("homogenisation needs at least two vectors");
        }
        this.options = options;
        this.v = v;
        this.dim = v[0].length;
        for (float[] row : v) {
            if (row.length != dim) {
                throw new IllegalArgumentException("code vectors differ in dimension");
            }
        }
        int m = v.length;
        this.block = Math.min(options.block(), m);
        this.sample = Math.min(options.sample(), m);
        if (options.base().anchor() > 0) {
            anchor = new float[m][];
            for (int i = 0; i < m; i++) {
                anchor[i] = v[i].clone();
            }
        } else {
            anchor = null;
        }
        sims = new double[block * sample];
        grads = new double[block * dim];
        columns = new int[sample];
        rowSum = new double[block];
        rowPairs = new long[block];
        anchorSq = new double[block];
        random = new SplittableRandom(options.seed());
    }

    /**
     * Bytes this class allocates beyond the caller's vectors (array headers not counted): the
     * anchor (when lambda > 0) and the scratch, for m vectors of dimension d.
     */
    public static long bytesFor(long m, int d, Options o) {
        long block = Math.min(o.block(), m);
        long sample = Math.min(o.sample(), m);
        long anchor = o.base().anchor() > 0 ? 4 * m * d : 0;
        return anchor + 8 * block * sample + 8 * block * d + 4 * sample + 24 * block;
    }

    /** The vectors (m, d), moved in place. */
    public float[][] vectors() {
        return v;
    }

    /**
     * One step on the next block of rows against a fresh sample of columns; returns the sampled
     * estimate of the objective before it: log(m (m - 1) / pairs * sum e) + (lambda / |A|) sum_A |V_a - V0_a|^2.
     */
    public double step() {
        int m = v.length;
        int a0 = nextRow;
        int a1 = Math.min(m, a0 + block);
        nextRow = a1 == m ? 0 : a1;
        if (options.sample() >= m) {
            for (int i = 0; i < m; i++) {
                columns[i] = i;
            }
        } else {
            for (int i = 0; i < sample; i++) {
                columns[i] = random.nextInt(m);
            }
        }
        return step(a0, a1, columns);
    }

    /** One step moving rows [a0, a1) against the given columns; returns the objective's estimate before it. */
    double step(int a0, int a1, int[] cols) {
        int m = v.length;
        int rows = a1 - a0;
        int n = cols.length;
        if (rows <= 0 || rows > block || n == 0 || n > sample) {
            throw new IllegalArgumentException("a step moves 1 to " + block + " rows against 1 to " + sample + " columns");
        }
        double t = options.base().temperature();
        double lambda = options.base().anchor();
        // per row: the weights' sum and the number of pairs (columns equal to the row are skipped)
        IntStream.range(0, rows).parallel().forEach(r -> {
            float[] va = v[a0 + r];
            double sum = 0;
            long pairs = 0;
            for (int j = 0; j < n; j++) {
                int b = cols[j];
                double w = 0;
                if (b != a0 + r) {
                    float[] vb = v[b];
                    double s = 0;
                    for (int i = 0; i < dim; i++) {
                        s += (double) va[i] * vb[i];
                    }
                    // shifted by t (s <= 1 for unit rows) so nothing overflows
                    w = Math.exp(t * (s - 1));
                    pairs++;
                }
                sims[r * n + j] = w;
                sum += w;
            }
            rowSum[r] = sum;
            rowPairs[r] = pairs;
        });
        double total = 0;
        long pairs = 0;
        for (int r = 0; r < rows; r++) {
            total += rowSum[r];
            pairs += rowPairs[r];
        }
        if (pairs == 0) {
            return Double.NaN;    // every sampled column was the block's one row: nothing to move against
        }
        double coef = 2 * t * rows / total;
        double scale = options.base().lr();
        IntStream.range(0, rows).parallel().forEach(r -> {
            int a = a0 + r;
            int g0 = r * dim;
            java.util.Arrays.fill(grads, g0, g0 + dim, 0);
            for (int j = 0; j < n; j++) {
                double w = sims[r * n + j];
                if (w != 0) {
                    float[] vb = v[cols[j]];
                    for (int i = 0; i < dim; i++) {
                        grads[g0 + i] += w * vb[i];
                    }
                }
            }
            float[] va = v[a];
            double sq = 0;
            for (int i = 0; i < dim; i++) {
                double grad = coef * grads[g0 + i];
                if (anchor != null) {
                    double diff = (double) va[i] - anchor[a][i];
                    sq += diff * diff;
                    grad += 2 * lambda * diff;
                }
                // the new row waits in the gradient buffer until every row of the block is done
                grads[g0 + i] = va[i] - scale * grad;
            }
            anchorSq[r] = sq;
        });
        double anchorTerm = 0;
        for (int r = 0; r < rows; r++) {
            anchorTerm += anchorSq[r];
            float[] out = v[a0 + r];
            int g0 = r * dim;
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                norm += grads[g0 + i] * grads[g0 + i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < dim; i++) {
                out[i] = (float) (grads[g0 + i] / norm);
            }
        }
        double logZ = t + Math.log(total * ((double) m * (m - 1) / pairs));
        return logZ + lambda / rows * anchorTerm;
    }
}
