package panface.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * Updates parameters from their gradients. Parameters without a gradient are skipped (as in
 * PyTorch); optimizer state lives in the scope that was current when the optimizer was made.
 * Each parameter counts its own updates ({@link #parameterSteps}, PyTorch's per-parameter
 * {@code state['step']}): a parameter that first gets a gradient late (a head added mid-training,
 * DINO's last layer after its frozen first epoch) starts its count then.
 */
public abstract class Optimizer {
    private static final String STEP = "step.";

    private final List<ParamGroup> groups;
    private final Scope home;
    private double lr;
    private long steps;
    private final long[] parameterSteps;

    protected Optimizer(List<ParamGroup> groups, double lr) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("an optimizer needs at least one parameter group");
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        }
        this.groups = List.copyOf(groups);
        this.lr = lr;
        int count = 0;
        for (ParamGroup g : this.groups) {
            count += g.params().size();
        }
        this.parameterSteps = new long[count];
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

    /** Calls of {@link #step} so far (a parameter's own count is {@link #parameterSteps}). */
    public final long steps() {
        return steps;
    }

    /**
     * The updates parameter index (its position over all groups) has received, the current one
     * included while it is being updated: counted from its first gradient, not advanced on steps
     * where it has none. AdamW's bias correction uses this count, as PyTorch does.
     */
    public final long parameterSteps(int index) {
        return parameterSteps[index];
    }

    /** Applies one update to every parameter whose gradient was written since the last {@link #zeroGrad} ({@link Tensor#gradReceived}). */
    public final void step() {
        steps++;
        try (var g = panface.tensor.autograd.GradMode.noGrad()) {
            int idx = 0;
            for (ParamGroup group : groups) {
                for (Parameter p : group.params()) {
                    if (p.data().gradReceived() && p.requiresGrad()) {
                        parameterSteps[idx]++;
                        update(idx, p, group, lr * group.lrScale());
                        // the fused kernels write through the backend, which counts no writes itself
                        p.data().storage().bumpVersion();
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

    /**
     * A state tensor of a parameter, created zero-filled like the parameter on first use: in the
     * scope that was open when the optimizer was made, or, when none was, owned by no scope (freed
     * with the optimizer by the garbage collector), never in the step's scope that happens to be
     * open, which would free it when the step ends.
     */
    protected final Tensor state(Map<Integer, Tensor> table, int index, Parameter p) {
        Tensor t = table.get(index);
        if (t == null) {
            t = Tensor.zerosLike(p.data());
            if (home != null && !home.isClosed()) {
                home.keep(t);
            } else {
                Scope.disown(t);
            }
            table.put(index, t);
        }
        return t;
    }

    /**
     * The optimizer's tensors by name, for checkpoints: "step" (calls of {@link #step}), "lr",
     * "step.3" (the updates of parameter 3, for every parameter updated at least once) and the
     * subclass's per-parameter state ("exp_avg.3", ...).
     */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Tensor.scalar(steps, DType.I64));
        out.put("lr", Tensor.scalar(lr, DType.F64));
        for (int k = 0; k < parameterSteps.length; k++) {
            if (parameterSteps[k] > 0) {
                out.put(STEP + k, Tensor.scalar(parameterSteps[k], DType.I64));
            }
        }
        return out;
    }

    /**
     * Restores what {@link #stateTensors} saved. A parameter without a saved count has made no
     * update yet, unless the subclass restores state for it (see {@link #restore}).
     */
    public void loadStateTensors(Map<String, Tensor> state) {
        Tensor s = state.get("step");
        Tensor l = state.get("lr");
        if (s == null || l == null) {
            throw new IllegalArgumentException("optimizer state lacks 'step' or 'lr'");
        }
        steps = s.toLongArray()[0];
        lr = l.item();
        java.util.Arrays.fill(parameterSteps, 0);
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (!e.getKey().startsWith(STEP)) {
                continue;
            }
            int idx = index(e.getKey(), STEP.length(), parameterSteps.length);
            long count = e.getValue().toLongArray()[0];
            if (count < 0 || count > steps) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' counts " + count + " updates in " + steps + " steps");
            }
            parameterSteps[idx] = count;
        }
    }

    private static int index(String key, int from, int count) {
        int idx = Integer.parseInt(key.substring(from));
        if (idx < 0 || idx >= count) {
            throw new IllegalArgumentException("optimizer state '" + key + "' refers to parameter " + idx + " of " + count);
        }
        return idx;
    }

    /** Puts the per-parameter tensors of a table into a state map under a prefix. */
    protected static void export(String name, Map<Integer, Tensor> table, Map<String, Tensor> out) {
        List<Integer> keys = new ArrayList<>(table.keySet());
        keys.sort(null);
        for (int k : keys) {
            out.put(name + "." + k, table.get(k));
        }
    }

    /**
     * Reads per-parameter tensors saved by {@link #export} back into a table. A parameter with
     * state but no saved update count comes from a checkpoint written before the counts were
     * kept, when every parameter used the optimizer's step: it gets that count.
     */
    protected final void restore(String name, Map<Integer, Tensor> table, Map<String, Tensor> state) {
        List<Parameter> all = new ArrayList<>();
        for (ParamGroup g : groups) {
            all.addAll(g.params());
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (!e.getKey().startsWith(name + ".")) {
                continue;
            }
            int idx = index(e.getKey(), name.length() + 1, all.size());
            if (!state.containsKey(STEP + idx)) {
                parameterSteps[idx] = steps;
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
