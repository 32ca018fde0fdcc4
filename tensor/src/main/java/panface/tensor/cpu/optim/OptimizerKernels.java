package panface.tensor.cpu.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import panface.tensor.View;
import panface.tensor.cpu.channel.ChannelKernels;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.runtime.Parallel;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.math.VecMath;

/** Fused optimizer updates: AdamW on float32 vectors (its reference is {@code OptimReference}) and SGD with momentum. */
public final class OptimizerKernels {
    private static final VectorSpecies<Float> S = VecMath.S;
    private static final int L = S.length();

    private OptimizerKernels() {
    }

    static void check(View... ts) {
        int n = ts[0].numel();
        for (View t : ts) {
            if (!t.isContiguous() || t.numel() != n) {
                throw new IllegalArgumentException("adamw: parameter, gradient and moments must be contiguous and of one size, got "
                        + t.describe());
            }
        }
    }

    public static void adamw(View param, View grad, View m, View v, double lr, double b1, double b2, double eps, double wd,
                      long step) {
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
    }

    /**
     * SGD in place over contiguous param, grad and momentum buffer of one dtype (F32 vectors, F64
     * loops), PyTorch's semantics: d = g + wd p; buf = first ? d : momentum buf + (1 - dampening) d;
     * d = nesterov ? d + momentum buf : buf; p -= lr d. buf is null without momentum. False when the
     * operands do not fit.
     */
    public static boolean sgd(View param, View grad, View buf, double lr, double momentum, double dampening, double wd, boolean nesterov,
                       boolean first) {
        if (!ChannelKernels.fits(param.dtype(), param, grad, buf) || grad.numel() != param.numel()
                || (buf != null && buf.numel() != param.numel())) {
            return false;
        }
        int po = param.offset();
        int go = grad.offset();
        int bo = buf == null ? 0 : buf.offset();
        if (param.dtype() == panface.tensor.DType.F32) {
            float[] p = VecElementwise.data(param);
            float[] g = VecElementwise.data(grad);
            float[] b = buf == null ? null : VecElementwise.data(buf);
            float fwd = (float) wd;
            float fm = (float) momentum;
            float keep = (float) (1 - dampening);
            float flr = (float) lr;
            Parallel.forRange(param.numel(), VecElementwise.GRAIN, (lo, hi) -> {
                int i = lo;
                for (; i + L <= hi; i += L) {
                    FloatVector pv = FloatVector.fromArray(S, p, po + i);
                    FloatVector d = FloatVector.fromArray(S, g, go + i).add(pv.mul(fwd));
                    if (b != null) {
                        FloatVector bv = first ? d : FloatVector.fromArray(S, b, bo + i).mul(fm).add(d.mul(keep));
                        bv.intoArray(b, bo + i);
                        d = nesterov ? d.add(bv.mul(fm)) : bv;
                    }
                    pv.sub(d.mul(flr)).intoArray(p, po + i);
                }
                for (; i < hi; i++) {
                    float d = g[go + i] + p[po + i] * fwd;
                    if (b != null) {
                        float bv = first ? d : b[bo + i] * fm + d * keep;
                        b[bo + i] = bv;
                        d = nesterov ? d + bv * fm : bv;
                    }
                    p[po + i] -= d * flr;
                }
            });
            return true;
        }
        double[] p = Ref.storage(param).doubles();
        double[] g = Ref.storage(grad).doubles();
        double[] b = buf == null ? null : Ref.storage(buf).doubles();
        for (int i = 0; i < param.numel(); i++) {
            double d = g[go + i] + p[po + i] * wd;
            if (b != null) {
                double bv = first ? d : b[bo + i] * momentum + d * (1 - dampening);
                b[bo + i] = bv;
                d = nesterov ? d + bv * momentum : bv;
            }
            p[po + i] -= d * lr;
        }
        return true;
    }
}
