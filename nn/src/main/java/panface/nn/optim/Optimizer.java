package panface.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * Updates parameters from their gradients. Parameters without a gradient are skipped (as in
 * PyTorch); optimizer state lives in the scope that was current when the optimizer was made.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;
    private final Scope home;
    private double lr;
    private long steps;

    protected Optimizer(List<ParamGroup> groups, double lr) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("an optimizer needs at least one parameter group");
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        }
        this.groups = List.copyOf(groups);
        this.lr = lr;
        this.home = Scope.current();
    }

    /** The groups, in order. */
    public final List<ParamGroup> groups() {
        return groups;
    }

    /** The current base learning rate. */
    public final double learningRate() {
        return lr;
    }

    /** Sets the base learning rate (schedules call this every step). */
    public final void setLearningRate(double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + value);
        }
        this.lr = value;
    }

    /** Steps taken so far. */
    public final long steps() {
        return steps;
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        try (var g = panface.tensor.autograd.GradMode.noGrad()) {
            int idx = 0;
            for (ParamGroup group : groups) {
                for (Parameter p : group.params()) {
                    if (p.grad() != null && p.requiresGrad()) {
                        update(idx, p, group, lr * group.lrScale());
                    }
                    idx++;
                }
            }
        }
    }

    /** Updates one parameter (index = position over all groups) with its effective learning rate. */
    protected abstract void update(int index, Parameter p, ParamGroup group, double lr);

    /** Zeroes every gradient. */
    public final void zeroGrad() {
        for (ParamGroup group : groups) {
            for (Parameter p : group.params()) {
                p.data().zeroGrad();
            }
        }
    }

    /** A state tensor of a parameter, created zero-filled like the parameter on first use (in the optimizer's scope). */
    protected final Tensor state(Map<Integer, Tensor> table, int index, Parameter p) {
        Tensor t = table.get(index);
        if (t == null) {
            t = Tensor.zerosLike(p.data());
            if (home != null && !home.isClosed()) {
                home.keep(t);
            }
            table.put(index, t);
        }
        return t;
    }

    /** The optimizer's tensors by name ("exp_avg.3", ...) and the step count, for checkpoints. */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Tensor.scalar(steps, panface.tensor.DType.I64));
        out.put("lr", Tensor.scalar(lr, panface.tensor.DType.F64));
        return out;
    }

    /** Restores what {@link #stateTensors} saved. */
    public void loadStateTensors(Map<String, Tensor> state) {
        Tensor s = state.get("step");
        Tensor l = state.get("lr");
        if (s == null || l == null) {
            throw new IllegalArgumentException("optimizer state lacks 'step' or 'lr'");
        }
        steps = s.toLongArray()[0];
        lr = l.item();
    }

    /** Puts the per-parameter tensors of a table into a state map under a prefix. */
    protected static void export(String name, Map<Integer, Tensor> table, Map<String, Tensor> out) {
        List<Integer> keys = new ArrayList<>(table.keySet());
        keys.sort(null);
        for (int k : keys) {
            out.put(name + "." + k, table.get(k));
        }
    }

    /** Reads per-parameter tensors saved by {@link #export} back into a table. */
    protected final void restore(String name, Map<Integer, Tensor> table, Map<String, Tensor> state) {
        List<Parameter> all = new ArrayList<>();
        for (ParamGroup g : groups) {
            all.addAll(g.params());
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (!e.getKey().startsWith(name + ".")) {
                continue;
            }
            int idx = Integer.parseInt(e.getKey().substring(name.length() + 1));
            if (idx < 0 || idx >= all.size()) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' refers to parameter " + idx + " of " + all.size());
            }
            Tensor dst = state(table, idx, all.get(idx));
            if (!java.util.Arrays.equals(dst.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has shape "
                        + panface.tensor.Shape.toString(e.getValue().shape()) + ", the parameter " + panface.tensor.Shape.toString(dst.shape()));
            }
            dst.copyFrom(e.getValue());
        }
    }
}
