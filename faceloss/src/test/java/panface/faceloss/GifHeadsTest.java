package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * GIF token heads beyond the independent case of LossPropertiesTest: prefix-conditioned heads
 * (head j sees e + sum_{i<j} P_i[c_i]) and decoding, against float64 computations written here.
 */
class GifHeadsTest {
    private final Generator gen = new Generator(21);

    @Test
    void prefixConditionedLossUsesTheTruePrefix() {
        int l = 3;
        int k = 4;
        int d = 6;
        GifTokenLoss gif = GifTokenLoss.of(l, k, d, null, GifTokenLoss.Conditioning.PREFIX, new Generator(5));
        // prefix vectors scaled up so that conditioning changes the logits visibly
        gif.stateDict().get("prefix.weight").copyFrom(Tensor.randn(gen, (l - 1) * k, d));
        Tensor e = Tensor.randn(gen, 5, d).requiresGrad(true);
        long[] codes = {0, 1, 2, 3, 3, 0, 1, 1, 1, 2, 0, 3, 0, 2, 2};
        double[][] x = Ref64.rows(e);
        double want = 0;
        for (int j = 0; j < l; j++) {
            double[][] w = Ref64.rows(gif.stateDict().get("heads." + j + ".weight"));
            double[] bias = gif.stateDict().get("heads." + j + ".bias").toDoubleArray();
            for (int i = 0; i < 5; i++) {
                double[] h = x[i].clone();
                for (int p = 0; p < j; p++) {
                    double[] row = Ref64.rows(gif.stateDict().get("prefix.weight"))[p * k + (int) codes[i * l + p]];
                    for (int q = 0; q < d; q++) {
                        h[q] += row[q];
                    }
                }
                double[] z = new double[k];
                for (int c = 0; c < k; c++) {
                    z[c] = Ref64.dot(w[c], h) + bias[c];
                }
                want += Ref64.crossEntropy(z, (int) codes[i * l + j]) / 5 / l;
            }
        }
        Tensor loss = gif.loss(e, Tensor.of(codes, 5, l));
        // float32 heads on O(1) inputs
        assertEquals(want, loss.item(), 1e-5);
        loss.backward();
        assertNotNull(gif.namedParameters().get("prefix.weight").grad(), "the prefix vectors are trained");
    }

    @Test
    void decodingTakesEachHeadsArgMaxGivenTheDecodedPrefix() {
        int l = 3;
        int k = 5;
        int d = 4;
        for (GifTokenLoss.Conditioning cond : GifTokenLoss.Conditioning.values()) {
            for (Margin m : new Margin[] {null, Margin.arcFace(64, 0.5)}) {
                GifTokenLoss gif = GifTokenLoss.of(l, k, d, m, cond, new Generator(8));
                for (String key : gif.stateDict().keySet()) {
                    gif.stateDict().get(key).copyFrom(Tensor.randn(gen, gif.stateDict().get(key).shape()));
                }
                Tensor e = Tensor.randn(gen, 6, d);
                double[][] x = Ref64.rows(e);
                long[][] got = gif.decode(e);
                for (int i = 0; i < 6; i++) {
                    long[] want = new long[l];
                    double[] h = x[i].clone();
                    for (int j = 0; j < l; j++) {
                        double[][] w = Ref64.rows(gif.stateDict().get("heads." + j + ".weight"));
                        double best = Double.NEGATIVE_INFINITY;
                        for (int c = 0; c < k; c++) {
                            double z = m == null ? Ref64.dot(w[c], h) + gif.stateDict().get("heads." + j + ".bias").toDoubleArray()[c]
                                    : Ref64.dot(Ref64.unit(w[c]), Ref64.unit(h));
                            if (z > best) {
                                best = z;
                                want[j] = c;
                            }
                        }
                        if (cond == GifTokenLoss.Conditioning.PREFIX && j + 1 < l) {
                            double[] row = Ref64.rows(gif.stateDict().get("prefix.weight"))[j * k + (int) want[j]];
                            for (int q = 0; q < d; q++) {
                                h[q] += row[q];
                            }
                        }
                    }
                    assertArrayEquals(want, got[i], cond + " " + (m == null ? "linear" : "margin") + " row " + i);
                }
            }
        }
    }

    @Test
    void headSizeIsLTimesKTimesDPlusOne() {
        // the memory model of GIF.md: l linear heads of k x (D + 1) floats, plus (l - 1) k x D prefix vectors when conditioned
        assertEquals(3L * 256 * 513, GifTokenLoss.linear(3, 256, 512, new Generator(1)).numParameters());
        assertEquals(3L * 256 * 513 + 2L * 256 * 512,
                GifTokenLoss.of(3, 256, 512, null, GifTokenLoss.Conditioning.PREFIX, new Generator(1)).numParameters());
        assertEquals(4L * 16 * 32, GifTokenLoss.withMargin(4, 16, 32, Margin.arcFace(64, 0.5), new Generator(1)).numParameters());
    }
}
