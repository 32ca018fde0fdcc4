package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** DINO's loss with DINOv2's Sinkhorn-Knopp teacher, against a float64 transcription of DINOv2's sinkhorn_knopp_teacher. */
class DinoSinkhornTest {
    private final Generator gen = new Generator(41);

    /**
     * DINOv2's sinkhorn_knopp_teacher on one process: Q = exp(t / tau)^T (K x B), Q /= sum(Q), then
     * per iteration rows (prototypes) to 1/K and columns (images) to 1/B, finally Q *= B.
     */
    private static double[][] sinkhorn(double[][] t, double tau, int iterations) {
        int b = t.length;
        int k = t[0].length;
        double[][] q = new double[k][b];
        double sum = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                q[j][i] = Math.exp(t[i][j] / tau);
                sum += q[j][i];
            }
        }
        for (double[] row : q) {
            for (int i = 0; i < b; i++) {
                row[i] /= sum;
            }
        }
        for (int it = 0; it < iterations; it++) {
            for (double[] row : q) {
                double r = 0;
                for (double v : row) {
                    r += v;
                }
                for (int i = 0; i < b; i++) {
                    row[i] /= r * k;
                }
            }
            for (int i = 0; i < b; i++) {
                double c = 0;
                for (int j = 0; j < k; j++) {
                    c += q[j][i];
                }
                for (int j = 0; j < k; j++) {
                    q[j][i] /= c * b;
                }
            }
        }
        double[][] out = new double[b][k];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = q[j][i] * b;
            }
        }
        return out;
    }

    private static DinoLoss sinkhornLoss(int k, int studentViews) {
        return new DinoLoss(k, studentViews, 2, 0.1, 0.04, 0.04, 0, 0.9, DinoLoss.Centering.SINKHORN_KNOPP);
    }

    @Test
    void teacherTargetsAreDinoV2Sinkhorn() {
        for (double tau : new double[] {0.04, 0.5}) {
            // cosine-like logits (the DINO head's are cosines): exp(t / tau) stays within float64 at tau 0.04
            Tensor teacher = Tensor.randn(gen, 10, 7).mul(0.3);
            double[][] want = sinkhorn(Ref64.rows(teacher), tau, DinoLoss.SINKHORN_ITERATIONS);
            double[][] got = Ref64.rows(sinkhornLoss(7, 4).teacherProbabilities(teacher, tau));
            for (int i = 0; i < want.length; i++) {
                // float32 exponentials of logits divided by 0.04 (relative error about 1e-7 times the exponent's size)
                assertArrayEquals(want[i], got[i], 2e-5, "tau " + tau + " row " + i);
            }
        }
    }

    @Test
    void sinkhornSpreadsTheBatchOverThePrototypesWhereTheCentreCannot() {
        // every image on the same prototype, by far: the centred softmax of a fresh centre follows it, Sinkhorn does not
        double[][] t = new double[8][4];
        for (int i = 0; i < 8; i++) {
            t[i][0] = 0.9;
            t[i][1 + i % 3] = 0.1 * (i % 2);
            t[i][3] += 0.01 * i;
        }
        Tensor teacher = Tensor.of(flat(t), 8, 4);
        double[][] q = Ref64.rows(sinkhornLoss(4, 3).teacherProbabilities(teacher, 0.04));
        double[] columns = new double[4];
        for (double[] row : q) {
            double r = 0;
            for (int j = 0; j < 4; j++) {
                r += row[j];
                columns[j] += row[j];
            }
            // float32 sums of four terms
            assertEquals(1, r, 1e-5, "each image's targets sum to 1");
        }
        for (double c : columns) {
            // three iterations leave the prototypes' mass equal to a few percent on this extreme batch
            assertEquals(2.0, c, 0.1, "each prototype holds B / K of the batch");
        }
    }

    @Test
    void lossIsTheCrossEntropyAgainstSinkhornTargetsAndLeavesTheCentre() {
        DinoLoss d = sinkhornLoss(5, 4);
        Tensor student = Tensor.randn(gen, 12, 5);
        Tensor teacher = Tensor.randn(gen, 6, 5).mul(0.3);
        double[][] q = sinkhorn(Ref64.rows(teacher), 0.04, DinoLoss.SINKHORN_ITERATIONS);
        double[][] s = Ref64.rows(student);
        int b = 3;
        double total = 0;
        int pairs = 0;
        for (int tv = 0; tv < 2; tv++) {
            for (int sv = 0; sv < 4; sv++) {
                if (sv == tv) {
                    continue;
                }
                double sum = 0;
                for (int i = 0; i < b; i++) {
                    double[] row = s[sv * b + i];
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : row) {
                        max = Math.max(max, v / 0.1);
                    }
                    double z = 0;
                    for (double v : row) {
                        z += Math.exp(v / 0.1 - max);
                    }
                    for (int j = 0; j < row.length; j++) {
                        sum -= q[tv * b + i][j] * (row[j] / 0.1 - max - Math.log(z));
                    }
                }
                total += sum / b;
                pairs++;
            }
        }
        double want = total / pairs;
        // float32 log-softmax of logits divided by 0.1
        assertEquals(want, d.loss(student, teacher, 0).item(), 1e-5 * Math.max(1, want));
        assertArrayEquals(new double[5], d.center().toDoubleArray(), 0, "Sinkhorn-Knopp leaves the running centre alone");
    }

    private static float[] flat(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                f[i * a[0].length + j] = (float) a[i][j];
            }
        }
        return f;
    }
}
