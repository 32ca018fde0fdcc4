package panface.nn.lafs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import panface.nn.layers.Linear;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** DINO's head with batch normalisation (use_bn_in_head), against a float64 forward written out here. */
class DinoHeadBatchNormTest {

    @Test
    void keysAreDinosSequentialWithBatchNorm() {
        DinoHead head = new DinoHead(8, 5, 3, 6, 4, true, true, new Generator(1));
        // DINO's DINOHead(use_bn=True): Linear, BatchNorm1d, GELU, Linear, BatchNorm1d, GELU, Linear
        Set<String> want = Set.of("mlp.0.weight", "mlp.0.bias", "mlp.1.weight", "mlp.1.bias", "mlp.1.running_mean", "mlp.1.running_var",
                "mlp.1.num_batches_tracked", "mlp.3.weight", "mlp.3.bias", "mlp.4.weight", "mlp.4.bias", "mlp.4.running_mean",
                "mlp.4.running_var", "mlp.4.num_batches_tracked", "mlp.6.weight", "mlp.6.bias", "last_layer.weight_g", "last_layer.weight_v");
        assertEquals(want, head.stateDict().keySet());
    }

    @Test
    void trainingForwardNormalisesHiddenUnitsOverTheBatch() {
        Generator gen = new Generator(2);
        DinoHead head = new DinoHead(8, 5, 3, 6, 4, true, true, gen);
        head.train(true);
        int n = 7;
        // a shared offset much larger than the rows' differences, as the Part fViT's class tokens have
        Tensor x = Tensor.randn(gen, n, 8).mul(0.1).add(Tensor.randn(gen, 1, 8).mul(3));
        double[][] h = rows(x);
        List<Linear> mlp = head.mlp();
        for (int i = 0; i < mlp.size(); i++) {
            h = linear(h, rows(mlp.get(i).weight().data()), mlp.get(i).bias().data().toDoubleArray());
            if (i < mlp.size() - 1) {
                h = gelu(batchNorm(h));
            }
        }
        double[][] v = rows(head.lastLayerV().data());
        double[] want = new double[n * v.length];
        for (int r = 0; r < n; r++) {
            double hn = Math.sqrt(dot(h[r], h[r]));
            for (int k = 0; k < v.length; k++) {
                want[r * v.length + k] = dot(h[r], v[k]) / (hn * Math.sqrt(dot(v[k], v[k])));
            }
        }
        // float32 products of width 8 and 6 and two normalisations by batch statistics, outputs cosines in [-1, 1]
        assertArrayEquals(want, head.forward(x).toDoubleArray(), 1e-5);
    }

    /** PyTorch's BatchNorm1d in training mode with weight 1 and bias 0: (x - mean) / sqrt(biased var + 1e-5) per column. */
    private static double[][] batchNorm(double[][] a) {
        int n = a.length;
        int c = a[0].length;
        double[][] out = new double[n][c];
        for (int j = 0; j < c; j++) {
            double m = 0;
            for (double[] row : a) {
                m += row[j] / n;
            }
            double var = 0;
            for (double[] row : a) {
                var += (row[j] - m) * (row[j] - m) / n;
            }
            for (int i = 0; i < n; i++) {
                out[i][j] = (a[i][j] - m) / Math.sqrt(var + 1e-5);
            }
        }
        return out;
    }

    /** x * Phi(x) with Phi from erf's Taylor series (after batch normalisation over 7 rows |x| <= sqrt(6), where the series loses little to cancellation). */
    private static double[][] gelu(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                double x = a[i][j];
                out[i][j] = x * 0.5 * (1 + erf(x / Math.sqrt(2)));
            }
        }
        return out;
    }

    /** erf(z) = 2 / sqrt(pi) * sum_k (-1)^k z^(2k+1) / (k! (2k+1)), summed until the terms vanish. */
    private static double erf(double z) {
        double sum = 0;
        double term = z;
        for (int k = 0; k < 200; k++) {
            sum += term / (2 * k + 1);
            term *= -z * z / (k + 1);
            if (Math.abs(term) < 1e-18) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double[][] linear(double[][] a, double[][] w, double[] b) {
        double[][] out = new double[a.length][w.length];
        for (int i = 0; i < a.length; i++) {
            for (int o = 0; o < w.length; o++) {
                out[i][o] = dot(a[i], w[o]) + b[o];
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[][] rows(Tensor t) {
        double[] flat = t.toDoubleArray();
        int r = t.size(0);
        int c = t.size(1);
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, out[i], 0, c);
        }
        return out;
    }
}
