package panface.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.Tensor;

/** Fused optimizer updates: a double reference and a float32 vector kernel of AdamW. */
final class OptimizerKernels {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private OptimizerKernels() {
    }

    private static void check(Tensor... ts) {
        int n = ts[0].numel();
        for (Tensor t : ts) {
            if (!t.isContiguous() || t.numel() != n) {
                throw new IllegalArgumentException("adamw: parameter, gradient and moments must be contiguous and of one size, got "
                        + t.describe());
            }
        }
    }

    static void adamwReference(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double b1, double b2, double eps, double wd,
                               long step) {
        RefCalls.hit("adamw");
        check(param, grad, m, v);
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

    static boolean adamwF32(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double b1, double b2, double eps, double wd,
                            long step) {
        if (!VecElementwise.f32Contiguous(param, grad, m, v)) {
            return false;
        }
        check(param, grad, m, v);
        float[] p = VecElementwise.data(param);
        float[] g = VecElementwise.data(grad);
        float[] ma = VecElementwise.data(m);
        float[] va = VecElementwise.data(v);
        int po = param.offset();
        int go = grad.offset();
        int mo = m.offset();
        int vo = v.offset();
        float decay = (float) (1 - lr * wd);
        float fb1 = (float) b1;
        float fb2 = (float) b2;
        float c1 = (float) (1 - b1);
        float c2 = (float) (1 - b2);
        float stepSize = (float) (lr / (1 - Math.pow(b1, step)));
        float invBc2 = (float) (1 / Math.sqrt(1 - Math.pow(b2, step)));
        float feps = (float) eps;
        Parallel.forRange(param.numel(), VecElementwise.GRAIN, (lo, hi) -> {
            int i = lo;
            for (; i + L <= hi; i += L) {
                FloatVector gv = FloatVector.fromArray(S, g, go + i);
                FloatVector mn = FloatVector.fromArray(S, ma, mo + i).mul(fb1).add(gv.mul(c1));
                FloatVector vn = FloatVector.fromArray(S, va, vo + i).mul(fb2).add(gv.mul(gv).mul(c2));
                FloatVector denom = vn.sqrt().mul(invBc2).add(feps);
                FloatVector pn = FloatVector.fromArray(S, p, po + i).mul(decay).sub(mn.div(denom).mul(stepSize));
                mn.intoArray(ma, mo + i);
                vn.intoArray(va, vo + i);
                pn.intoArray(p, po + i);
            }
            for (; i < hi; i++) {
                float gv = g[go + i];
                float mn = ma[mo + i] * fb1 + gv * c1;
                float vn = va[vo + i] * fb2 + gv * gv * c2;
                ma[mo + i] = mn;
                va[vo + i] = vn;
                p[po + i] = p[po + i] * decay - mn / ((float) Math.sqrt(vn) * invBc2 + feps) * stepSize;
            }
        });
        return true;
    }
}
