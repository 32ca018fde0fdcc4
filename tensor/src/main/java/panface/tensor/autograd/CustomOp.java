package panface.tensor.autograd;

import java.util.Arrays;

import panface.tensor.Tensor;

/**
 * A differentiable op written outside the library: a forward from input tensors to one output and
 * a backward from the output's gradient to one gradient per input. {@link #apply} runs the forward
 * and, when an input needs a gradient, records the op into the autograd graph exactly as the
 * built-in ops do (a {@link Node} whose saved tensors the engine releases after the backward), so
 * it mixes freely with them. {@link #gradCheck} compares the backward with finite differences.
 *
 * <p>A scaled softplus, {@code y = s * log(1 + exp(x))} with a one-element scale s:
 *
 * <pre>{@code
 * CustomOp scaledSoftplus = new CustomOp("scaledSoftplus") {
 *     protected Tensor forward(Context ctx, Tensor... in) {
 *         Tensor sp = in[0].exp().add(1.0).log();
 *         ctx.save(sp);
 *         return sp.mul(in[1]);
 *     }
 *
 *     protected Tensor[] backward(Context ctx, Tensor g) {
 *         Tensor x = ctx.input(0);
 *         Tensor s = ctx.input(1);
 *         Tensor gx = ctx.needsGrad(0) ? g.mul(x.sigmoid()).mul(s) : null;
 *         Tensor gs = ctx.needsGrad(1) ? g.mul(ctx.saved(0)).sum().reshape(s.shape()) : null;
 *         return new Tensor[] {gx, gs};
 *     }
 * };
 * Tensor y = scaledSoftplus.apply(x, s);      // recorded when x or s requires a gradient
 * scaledSoftplus.gradCheck(x64, s64);          // float64 inputs; throws AssertionError on a wrong backward
 * }</pre>
 *
 * <p>The forward runs with grad mode off and must return a new tensor (one of its inputs is copied).
 * The backward also runs with grad mode off; it returns null for an input that needs no gradient
 * and otherwise a tensor of that input's shape, which {@link #apply}'s node checks. One output per
 * op: an op with several results is several ops sharing saved work, or returns them stacked.
 */
public abstract class CustomOp {
    private final String name;

    /** An op with the name used in the graph and in error messages. */
    protected CustomOp(String name) {
        this.name = name;
    }

    /** The op's name. */
    public final String name() {
        return name;
    }

    /**
     * Computes the output from the inputs (grad mode off). May save tensors for the backward with
     * {@link Context#save}; the inputs themselves are always available through {@link Context#input}.
     */
    protected abstract Tensor forward(Context ctx, Tensor... inputs);

    /**
     * Given the gradient of the output, returns one gradient per input: null where {@link
     * Context#needsGrad} is false (allowed anywhere), otherwise a tensor of the input's shape.
     */
    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /** Runs the op; records it into the graph when grad mode is on and an input requires a gradient. */
    public final Tensor apply(Tensor... inputs) {
        Context ctx = new Context(inputs.length);
        Tensor y;
        try (var off = GradMode.noGrad()) {
            y = forward(ctx, inputs);
            if (y == null) {
                throw new IllegalStateException(name + ": forward returned null");
            }
            for (Tensor in : inputs) {
                if (y == in) {
                    y = y.copy();
                    break;
                }
            }
        }
        if (!GradMode.needsGrad(inputs)) {
            return y;
        }
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i] != null && inputs[i].requiresGrad();
        }
        Node node = new Node(name, inputs) {
            @Override
            public Tensor[] backward(Tensor gradOutput) {
                Tensor[] grads = CustomOp.this.backward(ctx, gradOutput);
                return checked(grads, inputs(), needs);
            }
        };
        ctx.bind(node, needs);
        node.save(ctx.pending);
        ctx.pending = null;
        return y.withGradFn(node);
    }

    private Tensor[] checked(Tensor[] grads, Tensor[] inputs, boolean[] needs) {
        if (grads == null || grads.length != inputs.length) {
            throw new IllegalStateException(name + ": backward must return " + inputs.length + " gradients (null where none), got "
                    + (grads == null ? "null" : grads.length));
        }
        Tensor[] out = new Tensor[grads.length];
        for (int i = 0; i < grads.length; i++) {
            if (!needs[i] || grads[i] == null) {
                continue;
            }
            if (!Arrays.equals(grads[i].shape(), inputs[i].shape())) {
                throw new IllegalStateException(name + ": gradient " + i + " has shape " + Arrays.toString(grads[i].shape())
                        + ", its input " + Arrays.toString(inputs[i].shape()));
            }
            out[i] = grads[i];
        }
        return out;
    }

    /**
     * Checks {@link #backward} against central finite differences of {@link #forward} in float64
     * (see {@link GradCheck}); inputs must be float64 CPU tensors, those with requiresGrad are
     * checked. Throws {@link AssertionError} naming the first mismatches.
     */
    public final void gradCheck(Tensor... inputs) {
        GradCheck.check(name, this::apply, inputs);
    }

    /** As {@link #gradCheck(Tensor...)} with explicit tolerances. */
    public final void gradCheck(GradCheck.Options options, Tensor... inputs) {
        GradCheck.check(name, options, this::apply, inputs);
    }

    /** What the forward passes to the backward: the inputs, saved tensors and which inputs need a gradient. */
    public static final class Context {
        private final int arity;
        private Tensor[] pending = new Tensor[0];
        private Node node;
        private boolean[] needs;

        private Context(int arity) {
            this.arity = arity;
        }

        private void bind(Node n, boolean[] need) {
            this.node = n;
            this.needs = need;
        }

        /** Saves tensors for the backward (detached); call once, in the forward. */
        public void save(Tensor... ts) {
            if (pending == null) {
                throw new IllegalStateException("save is for the forward");
            }
            Tensor[] d = new Tensor[ts.length];
            for (int i = 0; i < ts.length; i++) {
                d[i] = ts[i] == null ? null : ts[i].detach();
            }
            pending = d;
        }

        /** A tensor saved by {@link #save} (in the backward). */
        public Tensor saved(int i) {
            return node().saved(i);
        }

        /** Forward input i, detached from the graph (in the backward). */
        public Tensor input(int i) {
            Tensor t = node().input(i);
            return t == null ? null : t.detach();
        }

        /** Whether input i needs a gradient (in the backward). */
        public boolean needsGrad(int i) {
            node();
            return needs[i];
        }

        /** How many inputs the op was applied to. */
        public int inputs() {
            return arity;
        }

        private Node node() {
            if (node == null) {
                throw new IllegalStateException("saved tensors and inputs are read in the backward");
            }
            return node;
        }
    }
}
