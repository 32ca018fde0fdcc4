package panface.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.SavedTensors;

/**
 * A building block with explicitly registered parameters, buffers and child modules (no
 * reflection). Dotted names follow registration order and are identical to PyTorch's state-dict
 * keys when modules register under PyTorch's attribute names, so real checkpoints map one to one.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** A module with nothing registered yet, in training mode. */
    protected Module() {
    }

    /** Registers a parameter under a name; returns its holder. */
    protected final Parameter parameter(String name, Tensor init) {
        checkName(name);
        Parameter p = new Parameter(init);
        parameters.put(name, p);
        return p;
    }

    /** Registers a buffer under a name; returns its holder. */
    protected final Buffer buffer(String name, Tensor init) {
        checkName(name);
        Buffer b = new Buffer(init);
        buffers.put(name, b);
        return b;
    }

    /** Registers a child module under a name; returns it. */
    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("a module member name must be non-empty and without dots: '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is registered twice in " + getClass().getSimpleName());
        }
    }

    /** Direct children by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, by dotted name. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final Map<String, Buffer> namedBuffers() {
        Map<String, Buffer> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Buffer> bs) {
        if (ps != null) {
            parameters.forEach((k, v) -> ps.put(prefix + k, v));
        }
        if (bs != null) {
            buffers.forEach((k, v) -> bs.put(prefix + k, v));
        }
        children.forEach((k, m) -> m.collect(prefix + k + ".", ps, bs));
    }

    /** Every parameter, in registration order. */
    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of parameter elements. */
    public final long numParameters() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.data().numel();
        }
        return n;
    }

    /** Parameters and buffers by dotted name (parameters first within each module), sharing memory with the module. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v.data().detach()));
        buffers.forEach((k, v) -> out.put(prefix + k, v.data()));
        children.forEach((k, m) -> m.collectState(prefix + k + ".", out));
    }

    /**
     * Copies a state dict into this module's parameters and buffers (converting dtype and
     * device). Strict loading refuses any missing, unexpected or mis-shaped key and then changes
     * nothing; non-strict loading copies every matching key and reports the rest. A key a module
     * declares optional ({@link #defaultForMissing}, e.g. BatchNorm's num_batches_tracked, which
     * many converted checkpoints lack) takes its default when absent and is not reported missing.
     */
    public final LoadReport loadStateDict(Map<String, Tensor> given, boolean strict) {
        Map<String, Tensor> defaults = new LinkedHashMap<>();
        collectDefaults("", given, defaults);
        Map<String, Tensor> state = given;
        if (!defaults.isEmpty()) {
            state = new LinkedHashMap<>(given);
            state.putAll(defaults);
        }
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": " + panface.tensor.Shape.toString(e.getValue().shape()) + " in the module, "
                        + panface.tensor.Shape.toString(src.shape()) + " in the state");
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        LoadReport report = new LoadReport(missing, unexpected, mismatched);
        if (strict && !report.clean()) {
            throw new IllegalArgumentException("state dict does not match " + getClass().getSimpleName() + ": " + report);
        }
        try (var g = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null && Arrays.equals(src.shape(), e.getValue().shape())) {
                    e.getValue().copyFrom(src);
                }
            }
        }
        return report;
    }

    /**
     * The value a state dict may leave out for one of this module's own parameters or buffers
     * (named without prefix), or null (the default) when the state dict must hold it. Called only
     * when the key is absent, so the returned tensor may be freshly made.
     */
    protected Tensor defaultForMissing(String name) {
        return null;
    }

    private void collectDefaults(String prefix, Map<String, Tensor> state, Map<String, Tensor> out) {
        for (String k : parameters.keySet()) {
            addDefault(prefix, k, state, out);
        }
        for (String k : buffers.keySet()) {
            addDefault(prefix, k, state, out);
        }
        children.forEach((k, m) -> m.collectDefaults(prefix + k + ".", state, out));
    }

    private void addDefault(String prefix, String name, Map<String, Tensor> state, Map<String, Tensor> out) {
        if (!state.containsKey(prefix + name)) {
            Tensor d = defaultForMissing(name);
            if (d != null) {
                out.put(prefix + name, d);
            }
        }
    }

    /** Binds external tensors as the parameters and buffers themselves (no copy): for golden runs and weight sharing. */
    public final void bind(Map<String, Tensor> tensors) {
        Map<String, Parameter> ps = namedParameters();
        Map<String, Buffer> bs = namedBuffers();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Parameter p = ps.get(e.getKey());
            Buffer b = bs.get(e.getKey());
            if (p == null && b == null) {
                throw new IllegalArgumentException("no parameter or buffer '" + e.getKey() + "' in " + getClass().getSimpleName());
            }
            Tensor cur = p != null ? p.data() : b.data();
            if (!Arrays.equals(cur.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("'" + e.getKey() + "' has shape " + panface.tensor.Shape.toString(cur.shape())
                        + ", the tensor to bind " + panface.tensor.Shape.toString(e.getValue().shape()));
            }
            if (p != null) {
                p.set(e.getValue());
            } else {
                b.set(e.getValue());
            }
        }
    }

    /**
     * Puts this module and every descendant in evaluation mode. Returns this.
     *
     * @deprecated fast inference is an {@link InferencePlan} now ({@link #compileInference}):
     *     the plan owns the prepared weights and keeps them in step with the module's, where
     *     this method's snapshots went stale after in-place changes. It remains for callers that
     *     only want evaluation mode.
     */
    @Deprecated
    public Module prepareInference() {
        eval();
        return this;
    }

    /**
     * Compiles this module for inference on inputs like example (any batch size): see
     * {@link InferencePlan}. Puts the module in evaluation mode.
     */
    public final InferencePlan compileInference(Tensor example) {
        return InferencePlan.compile(this, example);
    }

    /**
     * This module's part of an {@link InferencePlan}, resolved once when the plan is compiled: by
     * default its plain {@link Layer#forward} (in evaluation mode, without a graph). A module
     * with a faster evaluation-mode path (folded BatchNorms, fused epilogues, packed weights)
     * overrides this, taking its children's steps from c and its prepared weights from
     * {@link InferenceCompiler#prepare} slots, so that its forward need not branch on whether it
     * is prepared. A module that calls its children itself must override this too, so that their
     * fast paths are used.
     */
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        if (!(this instanceof Layer l)) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " has no single-input forward to compile");
        }
        return (w, x) -> l.forward(x);
    }

    /**
     * Computes body (a step of this module's forward on input) and, when nothing will be recorded
     * for a backward pass through it (grad mode off, or neither input nor any parameter of this
     * module requires a gradient), frees its intermediate tensors as soon as it returns, keeping
     * only the result. Their memory then goes straight back to the next step while it is still in
     * cache, instead of a whole forward's activations passing through memory once (measurably
     * faster at batch 1 of the face ViT). When a graph is recorded, only what the backward needs
     * is kept (see {@link SavedTensors}), and the backward frees that as it goes.
     */
    protected final Tensor freeingIntermediates(Tensor input, java.util.function.Supplier<Tensor> body) {
        return recordsGraph(input) ? SavedTensors.compute(body) : Scope.compute(body);
    }

    /** Whether a forward of this module on input records a graph for backward: grad mode on, and input or a parameter requires a gradient. */
    protected final boolean recordsGraph(Tensor input) {
        return GradMode.isEnabled() && (input.requiresGrad() || anyParameterRequiresGrad());
    }

    private boolean anyParameterRequiresGrad() {
        for (Parameter p : parameters()) {
            if (p.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Sets training mode on this module and every descendant. Returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
        return this;
    }

    /** Evaluation mode (BatchNorm uses running statistics; dropout, drop path and masking are off). */
    public Module eval() {
        return train(false);
    }

    /** True in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Moves every parameter and buffer to a device (in the current scope). Gradients are not
     * moved; pack parameters into slabs again after moving. Returns this.
     */
    public Module to(Device device) {
        try (var g = GradMode.noGrad()) {
            for (Parameter p : namedParameters().values()) {
                if (!p.data().device().equals(device)) {
                    boolean rg = p.requiresGrad();
                    p.set(p.data().detach().to(device).requiresGrad(rg));
                }
            }
            for (Buffer b : namedBuffers().values()) {
                b.set(b.data().to(device));
            }
        }
        return this;
    }

    /** Sets every gradient to zero (keeping the buffers). */
    public void zeroGrad() {
        for (Parameter p : parameters()) {
            p.data().zeroGrad();
        }
    }
}
