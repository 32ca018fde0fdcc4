package panface.tensor.autograd;

import panface.tensor.Tensor;

/**
 * One recorded operation of the graph: its inputs, the tensors it saved for the backward, and the
 * backward itself. Subclasses (one per op, usually anonymous, beside the forward) implement
 * {@link #backward}; the engine releases the saved tensors once the node has run.
 *
 * <p>What a node keeps alive: its saved tensors, and the inputs whose values its backward reads
 * (all of them unless declared otherwise with {@link #needsNoValuesOf}). A node that reads input
 * values only through {@link #input} may declare so with {@link #readsValuesOnDemand}: an input
 * computed by a node that can {@link #recompute} its output (a cheap pointwise op) may then be
 * freed after the forward and is recomputed, bit for bit, when the backward asks for it.
 */
public abstract class Node {
    private final String name;
    private Tensor[] inputs;
    private Tensor[] saved;
    private long valuesUnused;
    private boolean onDemand;
    private Tensor[] recomputed;

    /** A node named after its op, with the forward inputs (nulls allowed for absent optionals). */
    protected Node(String name, Tensor... inputs) {
        this.name = name;
        this.inputs = inputs;
    }

    /** The op's name, for error messages. */
    public final String name() {
        return name;
    }

    /** The forward inputs; null once the node has run and was released. */
    public final Tensor[] inputs() {
        if (inputs == null) {
            throw new IllegalStateException("the graph through '" + name
                    + "' was already freed by a backward pass; call backward(grad, true) to keep it for a second pass");
        }
        return inputs;
    }

    /** Saves tensors the backward needs (beyond the inputs), read back with {@link #saved}. */
    public final void save(Tensor... ts) {
        this.saved = ts;
    }

    /**
     * Declares that the backward reads only the shapes (and whether they need gradients) of these
     * inputs, never their values: the graph does not keep their memory alive. Returns this.
     */
    public final Node needsNoValuesOf(int... indices) {
        for (int i : indices) {
            if (i < 0 || i >= Long.SIZE) {
                throw new IllegalArgumentException("needsNoValuesOf: input index " + i + " is outside 0.." + (Long.SIZE - 1));
            }
            valuesUnused |= 1L << i;
        }
        return this;
    }

    /**
     * Declares that the backward (and {@link #recompute}) reads input values only through
     * {@link #input}, never through references of its own: an input that its producer can
     * recompute need not be kept alive for this node. Returns this.
     */
    public final Node readsValuesOnDemand() {
        onDemand = true;
        return this;
    }

    /** A tensor saved by {@link #save}. */
    protected final Tensor saved(int i) {
        if (saved == null) {
            throw new IllegalStateException("the tensors saved by '" + name
                    + "' were released by a backward pass; call backward(grad, true) to keep them for a second pass");
        }
        return saved[i];
    }

    /**
     * The input at position i (for use inside backward). An input whose memory was freed after
     * the forward because its producer can recompute it comes back recomputed.
     */
    protected final Tensor input(int i) {
        Tensor t = inputs()[i];
        if (t == null || !t.storage().isClosed() || t.gradFn() == null || !t.gradFn().recomputes()) {
            return t;
        }
        if (recomputed == null) {
            recomputed = new Tensor[inputs.length];
        }
        Tensor r = recomputed[i];
        if (r == null || r.storage().isClosed()) {
            try (var g = GradMode.noGrad()) {
                r = t.gradFn().recompute();
            }
            recomputed[i] = r;
        }
        return r;
    }

    /** True when the input at position i exists and needs a gradient. */
    protected final boolean needs(int i) {
        Tensor t = inputs()[i];
        return t != null && t.requiresGrad();
    }

    /**
     * Given the gradient of the output, returns one gradient per input (null where the input
     * needs none), each of its input's shape. Runs with grad mode off.
     */
    public abstract Tensor[] backward(Tensor gradOutput);

    /**
     * Whether {@link #recompute} can give this node's output again. Nodes of cheap pointwise ops
     * whose output is otherwise kept only for the next op's backward say yes.
     */
    protected boolean recomputes() {
        return false;
    }

    /**
     * This node's output computed again, bit for bit as in the forward, from {@link #input} and
     * {@link #saved} only (the graph keeps nothing else alive for it); a new tensor without a
     * gradient function. Called with grad mode off, only when {@link #recomputes} is true.
     */
    protected Tensor recompute() {
        throw new UnsupportedOperationException("'" + name + "' cannot recompute its output");
    }

    /**
     * Calls sink with each tensor whose memory this node keeps alive for its backward: the saved
     * ones first ({@code saved} true), then the inputs whose values it reads.
     */
    final void forEachKept(KeptVisitor sink) {
        if (saved != null) {
            for (Tensor t : saved) {
                if (t != null) {
                    sink.visit(t, true, -1);
                }
            }
        }
        if (inputs != null) {
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i] != null && (valuesUnused & (1L << i)) == 0) {
                    sink.visit(inputs[i], false, i);
                }
            }
        }
    }

    /** A tensor a node keeps: saved, or input i whose values the backward reads. */
    interface KeptVisitor {
        void visit(Tensor t, boolean saved, int input);
    }

    /** Whether input i, should its memory be freed, can be had again from its producer. */
    final boolean canRecomputeInput(Tensor t) {
        return onDemand && t.gradFn() != null && t.gradFn().recomputes();
    }

    /** Drops the tensors recomputed for one backward call. */
    final void dropRecomputed() {
        recomputed = null;
    }

    /** Drops the references to inputs and saved tensors. */
    final void release() {
        inputs = null;
        saved = null;
        recomputed = null;
    }

    final boolean released() {
        return inputs == null;
    }

    @Override
    public String toString() {
        return name;
    }
}
