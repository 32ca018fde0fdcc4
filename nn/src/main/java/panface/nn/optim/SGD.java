package panface.nn.optim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.tensor.Tensor;

/**
 * SGD with momentum, dampening, Nesterov and (coupled) weight decay, PyTorch's semantics: the
 * decay is added to the gradient, the first momentum buffer is the gradient itself.
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final Map<Integer, Tensor> buffers = new HashMap<>();

    public SGD(List<ParamGroup> groups, double lr, double momentum, double dampening, boolean nesterov) {
        super(groups, lr);
        if (!(momentum >= 0) || !(dampening >= 0) || (nesterov && (momentum <= 0 || dampening != 0))) {
            throw new IllegalArgumentException("SGD: momentum and dampening must be >= 0; Nesterov needs momentum > 0 and no dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    /** Momentum without dampening or Nesterov (insightface's and QUD's SGD). */
    public SGD(List<ParamGroup> groups, double lr, double momentum) {
        this(groups, lr, momentum, 0, false);
    }

    @Override
    protected void update(int index, Parameter p, ParamGroup group, double lr) {
        Tensor w = p.data();
        Tensor d = p.grad();
        if (w.isContiguous() && d.isContiguous()) {
            boolean first = momentum != 0 && buffers.get(index) == null;
            Tensor buf = momentum == 0 ? null : state(buffers, index, p);
            if (w.backend().sgd(w.asView(), d.asView(), buf == null ? null : buf.asView(), lr, momentum, dampening, group.weightDecay(), nesterov, first)) {
                return;
            }
            if (first) {
                buffers.remove(index).storage().close();
            }
        }
        if (group.weightDecay() != 0) {
            d = d.add(w.mul(group.weightDecay()));
        }
        if (momentum != 0) {
            Tensor buf = buffers.get(index);
            if (buf == null) {
                buf = state(buffers, index, p);
                buf.copyFrom(d);
            } else {
                buf.mulInPlace(momentum).addInPlace(d, 1 - dampening);
            }
            d = nesterov ? d.add(buf.mul(momentum)) : buf;
        }
        w.addInPlace(d, -lr);
    }

    @Override
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = super.stateTensors();
        export("momentum_buffer", buffers, out);
        return out;
    }

    @Override
    public void loadStateTensors(Map<String, Tensor> state) {
        super.loadStateTensors(state);
        restore("momentum_buffer", buffers, state);
    }
}
