package panface.tensor.autograd;

import panface.tensor.Tensor;

/**
 * One recorded operation of the graph: its inputs, the tensors it saved for the backward, and the
 * backward itself. Subclasses (one per op, usually anonymous, beside the forward) implement
 * {@link #backward}; the engine releases the saved tensors once the node has run.
 */
public abstract class Node {
    private final String name;
    private Tensor[] inputs;
    private Tensor[] saved;

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

    /** A tensor saved by {@link #save}. */
    protected final Tensor saved(int i) {
        if (saved == null) {
            throw new IllegalStateException("the tensors saved by '" + name
                    + "' were released by a backward pass; call backward(grad, true) to keep them for a second pass");
        }
        return saved[i];
    }

    /** The input at position i (for use inside backward). */
    protected final Tensor input(int i) {
        return inputs()[i];
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

    /** Drops the references to inputs and saved tensors. */
    final void release() {
        inputs = null;
        saved = null;
    }

    final boolean released() {
        return inputs == null;
    }

    @Override
    public String toString() {
        return name;
    }
}
