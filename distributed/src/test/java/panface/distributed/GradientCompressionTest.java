package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Gradients sent in float16 or bfloat16 and summed in float32, against the exact mean computed
 * here in double from every rank's known gradients. Each contribution is rounded once to the
 * narrow type (relative error at most its unit roundoff u: 2^-11 for float16, 2^-8 for
 * bfloat16), and the float32 sum and mean add a few float32 roundings (2^-24 each): so
 * |got - mean| <= (u + 4 * 2^-24) * mean over ranks of |g_r|, plus 2^-24 for float16's
 * subnormals near zero.
 */
class GradientCompressionTest {
    private static final int WORLD = 3;
    private static final int[] SIZES = {40, 7, 129};

    /** Rank r's gradient of parameter p: normal values over four decades of magnitude. */
    private static double[] grad(int rank, int p) {
        Generator g = new Generator(100 * rank + p);
        double[] v = Tensor.randn(g, SIZES[p]).toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * Math.pow(10, (i % 5) - 2));
        }
        return v;
    }

    @Test
    void compressedSumsAreCloseToTheExactMeanAndTheSameOverlappedOrNot() {
        for (DType wire : new DType[] {DType.F16, DType.BF16}) {
            double u = wire == DType.F16 ? Math.pow(2, -11) : Math.pow(2, -8);
            List<List<double[]>> got = InProcessGroup.run(WORLD, comm -> {
                List<double[]> out = new ArrayList<>();
                for (boolean overlap : new boolean[] {false, true}) {
                    List<Parameter> ps = new ArrayList<>();
                    for (int p = 0; p < SIZES.length; p++) {
                        Parameter param = new Parameter(Tensor.zeros(DType.F32, SIZES[p]));
                        param.data().accumulateGrad(Tensor.of(grad(comm.rank(), p), SIZES[p]).to(DType.F32));
                        ps.add(param);
                    }
                    // two buckets: the last parameter alone, then the other two
                    GradientAllReduce g = new GradientAllReduce(comm, ps, 4L * 129, wire);
                    if (overlap) {
                        g.begin();
                        g.finish();
                    } else {
                        g.run();
                    }
                    for (Parameter p : ps) {
                        out.add(p.grad().toDoubleArray());
                    }
                }
                return out;
            });
            double worst = 0;
            for (int p = 0; p < SIZES.length; p++) {
                for (int i = 0; i < SIZES[p]; i++) {
                    double mean = 0;
                    double abs = 0;
                    for (int r = 0; r < WORLD; r++) {
                        mean += grad(r, p)[i] / WORLD;
                        abs += Math.abs(grad(r, p)[i]) / WORLD;
                    }
                    double tol = (u + 4 * Math.pow(2, -24)) * abs + Math.pow(2, -24);
                    double err = Math.abs(got.get(0).get(p)[i] - mean);
                    worst = Math.max(worst, err / tol);
                    assertTrue(err <= tol, wire + " parameter " + p + "[" + i + "]: " + got.get(0).get(p)[i] + " vs " + mean);
                }
            }
            // far above float32's error: the gradients did travel in the narrow type
            assertTrue(worst > 0.05, wire + ": largest error only " + worst + " of the bound");
            for (List<double[]> rank : got) {
                for (int p = 0; p < 2 * SIZES.length; p++) {
                    assertArrayEquals(got.get(0).get(p % SIZES.length), rank.get(p), 0.0, "every rank, overlapped or not, the same sum");
                }
            }
        }
    }
}
