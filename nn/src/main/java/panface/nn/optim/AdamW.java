package panface.nn.optim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.tensor.Tensor;

/**
 * AdamW with decoupled weight decay, PyTorch's semantics (bias-corrected moments, eps added after
 * the square root, no AMSGrad). The bias correction of a parameter uses its own update count
 * ({@link #parameterSteps}), so a parameter that starts late takes a first step of about the
 * learning rate, as a fresh one does.
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final Map<Integer, Tensor> expAvg = new HashMap<>();
    private final Map<Integer, Tensor> expAvgSq = new HashMap<>();

    public AdamW(List<ParamGroup> groups, double lr, double beta1, double beta2, double eps) {
        super(groups, lr);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps >= 0)) {
            throw new IllegalArgumentException("AdamW: betas must be in [0, 1) and eps >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8. */
    public AdamW(List<ParamGroup> groups, double lr) {
        this(groups, lr, 0.9, 0.999, 1e-8);
    }

    @Override
    protected void update(int index, Parameter p, ParamGroup group, double lr) {
        Tensor m = state(expAvg, index, p);
        Tensor v = state(expAvgSq, index, p);
        Tensor w = p.data();
        Tensor g = p.grad();
        long t = parameterSteps(index);
        if (w.isContiguous() && g.isContiguous()) {
            w.backend().adamw(w.asView(), g.asView(), m.asView(), v.asView(), lr, beta1, beta2, eps, group.weightDecay(), t);
            return;
        }
        Tensor tmp = w.detach().contiguous().copy();
        tmp.backend().adamw(tmp.asView(), g.contiguous().asView(), m.asView(), v.asView(), lr, beta1, beta2, eps, group.weightDecay(), t);
        w.copyFrom(tmp);
    }

    @Override
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = super.stateTensors();
        export("exp_avg", expAvg, out);
        export("exp_avg_sq", expAvgSq, out);
        return out;
    }

    @Override
    public void loadStateTensors(Map<String, Tensor> state) {
        super.loadStateTensors(state);
        restore("exp_avg", expAvg, state);
        restore("exp_avg_sq", expAvgSq, state);
    }
}
