package panface.tensor.cpu.optim;

import panface.tensor.View;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;

/**
 * The reference of the optimizer family: AdamW on row-major double copies ({@code Ref}),
 * defining what {@code OptimizerKernels.adamw} computes on float32.
 */
public final class OptimReference {
    private OptimReference() {
    }

    public static void adamw(View param, View grad, View m, View v, double lr, double b1, double b2, double eps, double wd,
                      long step) {
        RefCalls.hit("adamw");
        OptimizerKernels.check(param, grad, m, v);
        double[] p = Ref.load(param);
        double[] g = Ref.load(grad);
        double[] mv = Ref.load(m);
        double[] vv = Ref.load(v);
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = Math.sqrt(1 - Math.pow(b2, step));
        double stepSize = lr / bc1;
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            mv[i] = b1 * mv[i] + (1 - b1) * g[i];
            vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
            p[i] -= stepSize * mv[i] / (Math.sqrt(vv[i]) / bc2 + eps);
        }
        Ref.store(p, param);
        Ref.store(mv, m);
        Ref.store(vv, v);
    }
}
