package panface.tensor.cpu.optim;

import static panface.tensor.cpu.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.cpu.CpuBackend;
import panface.tensor.cpu.KernelViews;
import panface.tensor.random.Generator;

/**
 * The fused SGD update against PyTorch's rule written out in float64 here, over several steps
 * (the first one sets the momentum buffer), with weight decay, dampening, Nesterov and without
 * momentum, on a length that is not a multiple of the vector width. (The float64 kernel is checked
 * against PyTorch's recorded trajectories by the optimizer tests.)
 */
class SgdKernelTest {
    @Test
    void float32UpdatesFollowTheRule() {
        double[][] configs = {{0.1, 0.9, 0, 5e-4, 0}, {0.05, 0.8, 0, 1e-3, 1}, {0.05, 0.5, 0.3, 0, 0}, {0.2, 0, 0, 1e-2, 0}};
        for (double[] c : configs) {
            try (Scope s = Scope.open()) {
                double lr = c[0];
                double mom = c[1];
                double damp = c[2];
                double wd = c[3];
                boolean nesterov = c[4] != 0;
                int n = 1000 + 3;
                Generator g = new Generator(21);
                Tensor p = Tensor.randn(g, n);
                Tensor buf = mom == 0 ? null : Tensor.zeros(n);
                double[] pw = p.to(DType.F64).toDoubleArray();
                double[] bw = new double[n];
                for (int step = 0; step < 4; step++) {
                    Tensor grad = Tensor.randn(g, n);
                    double[] gv = grad.to(DType.F64).toDoubleArray();
                    assertTrue(CpuBackend.INSTANCE.sgd(viewOf(p), viewOf(grad), viewOf(buf), lr, mom, damp, wd, nesterov, step == 0));
                    for (int i = 0; i < n; i++) {
                        double d = gv[i] + wd * pw[i];
                        if (mom != 0) {
                            bw[i] = step == 0 ? d : mom * bw[i] + (1 - damp) * d;
                            d = nesterov ? d + mom * bw[i] : bw[i];
                        }
                        pw[i] -= lr * d;
                    }
                    double[] got = p.to(DType.F64).toDoubleArray();
                    for (int i = 0; i < n; i++) {
                        // a few float32 roundings of terms of size |p| + |g| + |buf|, accumulated over the steps
                        assertEquals(pw[i], got[i], 1e-5 * (1 + Math.abs(pw[i]) + Math.abs(bw[i])), "step " + step + " at " + i);
                    }
                }
            }
        }
    }
}
