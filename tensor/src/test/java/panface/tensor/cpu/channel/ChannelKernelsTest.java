package panface.tensor.cpu.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.random.Generator;

/**
 * PReLU and batch normalisation through the per-channel kernels (float32 with the Vector API,
 * float64 loops) against float64 formulas written out here, forward and backward, on shapes whose
 * planes are not a multiple of the vector length (tails) and on (N, C) inputs; and the sums around
 * a kept dimension against plain loops. None of these may take a reference kernel.
 */
class ChannelKernelsTest {
    private static final int[][] SHAPES = {{3, 5, 7, 9}, {2, 4, 1, 1}, {6, 5}, {2, 3, 16, 16}};

    private static double[] values(Tensor t) {
        return t.to(DType.F64).contiguous().toDoubleArray();
    }

    /** Float32 results: a few roundings per element relative to the terms' magnitudes; float64 to rounding. */
    private static double tol(DType dt, double scale) {
        return (dt == DType.F32 ? 2e-5 : 1e-12) * Math.max(1, scale);
    }

    private static void close(double[] want, double[] got, DType dt, double scale, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol(dt, scale), what + " at " + i);
        }
    }

    /**
     * Float32 takes no reference kernel at all; float64's elementwise ops on the small per-channel
     * vectors (scale, shift) are reference ones, which is fine, and only its big passes are checked
     * here by the formulas.
     */
    private static void assertFastPath(DType dt) {
        if (dt == DType.F32) {
            assertTrue(RefCalls.snapshot().isEmpty(), "reference kernels ran: " + RefCalls.snapshot());
        }
    }

    @Test
    void preluForwardAndBackwardMatchTheFormula() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : SHAPES) {
                try (Scope scope = Scope.open()) {
                    Generator g = new Generator(11);
                    int c = s[1];
                    int inner = s.length > 2 ? s[2] * s[3] : 1;
                    Tensor x = Tensor.randn(g, s).to(dt).requiresGrad(true);
                    Tensor w = Tensor.randn(g, c).to(dt).mul(0.3).detach().requiresGrad(true);
                    Tensor up = Tensor.randn(g, s).to(dt);
                    RefCalls.reset();
                    Tensor y = F.prelu(x, w);
                    y.backward(up);
                    assertFastPath(dt);
                    double[] xv = values(x);
                    double[] wv = values(w);
                    double[] uv = values(up);
                    double[] yw = new double[xv.length];
                    double[] gx = new double[xv.length];
                    double[] gw = new double[c];
                    for (int i = 0; i < xv.length; i++) {
                        int ch = (i / inner) % c;
                        yw[i] = xv[i] > 0 ? xv[i] : wv[ch] * xv[i];
                        gx[i] = xv[i] > 0 ? uv[i] : wv[ch] * uv[i];
                        gw[ch] += xv[i] > 0 ? 0 : uv[i] * xv[i];
                    }
                    close(yw, values(y), dt, 1, dt + " prelu y");
                    close(gx, values(x.grad()), dt, 1, dt + " prelu gx");
                    close(gw, values(w.grad()), dt, Math.sqrt(xv.length), dt + " prelu gw");
                }
            }
        }
    }

    @Test
    void batchNormTrainingMatchesTheFormula() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : SHAPES) {
                try (Scope scope = Scope.open()) {
                    Generator g = new Generator(12);
                    int c = s[1];
                    int inner = s.length > 2 ? s[2] * s[3] : 1;
                    int n = s[0];
                    double eps = 1e-5;
                    // an offset mean, so a one-pass variance would lose digits
                    Tensor x = Tensor.randn(g, s).to(dt).add(3).requiresGrad(true);
                    Tensor w = Tensor.randn(g, c).to(dt).detach().requiresGrad(true);
                    Tensor b = Tensor.randn(g, c).to(dt).detach().requiresGrad(true);
                    Tensor rm = Tensor.zeros(c).to(dt);
                    Tensor rv = Tensor.ones(c).to(dt);
                    Tensor up = Tensor.randn(g, s).to(dt);
                    RefCalls.reset();
                    Tensor y = F.batchNorm(x, rm, rv, w, b, true, 0.1, eps);
                    y.backward(up);
                    assertFastPath(dt);
                    double[] xv = values(x);
                    double[] wv = values(w);
                    double[] bv = values(b);
                    double[] uv = values(up);
                    int m = n * inner;
                    double[] mean = new double[c];
                    double[] var = new double[c];
                    for (int i = 0; i < xv.length; i++) {
                        mean[(i / inner) % c] += xv[i] / m;
                    }
                    for (int i = 0; i < xv.length; i++) {
                        double d = xv[i] - mean[(i / inner) % c];
                        var[(i / inner) % c] += d * d / m;
                    }
                    double[] yw = new double[xv.length];
                    double[] sg = new double[c];
                    double[] sgh = new double[c];
                    for (int i = 0; i < xv.length; i++) {
                        int ch = (i / inner) % c;
                        double h = (xv[i] - mean[ch]) / Math.sqrt(var[ch] + eps);
                        yw[i] = h * wv[ch] + bv[ch];
                        sg[ch] += uv[i];
                        sgh[ch] += uv[i] * h;
                    }
                    double[] gx = new double[xv.length];
                    for (int i = 0; i < xv.length; i++) {
                        int ch = (i / inner) % c;
                        double r = 1 / Math.sqrt(var[ch] + eps);
                        double h = (xv[i] - mean[ch]) * r;
                        gx[i] = wv[ch] * r * (uv[i] - sg[ch] / m - h * sgh[ch] / m);
                    }
                    double[] rmw = new double[c];
                    double[] rvw = new double[c];
                    for (int ch = 0; ch < c; ch++) {
                        rmw[ch] = 0.1 * mean[ch];
                        rvw[ch] = 0.9 + 0.1 * var[ch] * m / (m - 1);
                    }
                    close(yw, values(y), dt, 10, dt + " bn y");
                    // gx is a difference of terms of size |w| r |gy|, and r is large on small channels
                    close(gx, values(x.grad()), dt, 10 * Math.sqrt(m), dt + " bn gx");
                    close(sgh, values(w.grad()), dt, Math.sqrt(xv.length), dt + " bn gw");
                    close(sg, values(b.grad()), dt, Math.sqrt(xv.length), dt + " bn gb");
                    close(rmw, values(rm), dt, 1, dt + " running mean");
                    close(rvw, values(rv), dt, 1, dt + " running var");
                }
            }
        }
    }

    @Test
    void batchNormEvaluationIsOneAffineMapAChannel() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : SHAPES) {
                try (Scope scope = Scope.open(); var off = panface.tensor.autograd.GradMode.noGrad()) {
                    Generator g = new Generator(13);
                    int c = s[1];
                    int inner = s.length > 2 ? s[2] * s[3] : 1;
                    Tensor x = Tensor.randn(g, s).to(dt);
                    Tensor w = Tensor.randn(g, c).to(dt);
                    Tensor b = Tensor.randn(g, c).to(dt);
                    Tensor rm = Tensor.randn(g, c).to(dt);
                    Tensor rv = Tensor.rand(g, c).to(dt).add(0.5);
                    RefCalls.reset();
                    Tensor y = F.batchNorm(x, rm, rv, w, b, false, 0.1, 1e-5);
                    assertFastPath(dt);
                    double[] xv = values(x);
                    double[] wv = values(w);
                    double[] bv = values(b);
                    double[] mv = values(rm);
                    double[] vv = values(rv);
                    double[] yw = new double[xv.length];
                    for (int i = 0; i < xv.length; i++) {
                        int ch = (i / inner) % c;
                        yw[i] = (xv[i] - mv[ch]) / Math.sqrt(vv[ch] + 1e-5) * wv[ch] + bv[ch];
                    }
                    close(yw, values(y), dt, 10, dt + " bn eval y");
                }
            }
        }
    }

    @Test
    void sumsAroundAKeptDimensionMatchPlainLoops() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.randn(new Generator(14), 3, 5, 7, 9);
            RefCalls.reset();
            double[] got = values(x.sum(new int[] {0, 2, 3}, false));
            double[] strided = values(x.permute(0, 1, 3, 2).sum(new int[] {0, 2, 3}, false));
            assertTrue(RefCalls.snapshot().isEmpty(), "reference kernels ran: " + RefCalls.snapshot());
            double[] xv = values(x);
            double[] want = new double[5];
            for (int i = 0; i < xv.length; i++) {
                want[(i / 63) % 5] += xv[i];
            }
            close(want, got, DType.F32, Math.sqrt(xv.length), "sum over (0, 2, 3)");
            close(want, strided, DType.F32, Math.sqrt(xv.length), "sum over (0, 2, 3) of a permuted view");
        }
    }
}
