package panface.nn;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * A module compiled for inference ({@link Module#compileInference}): the module tree is walked
 * once, each module resolving its fastest evaluation-mode path (convolutions with their
 * BatchNorms folded in and their activation and residual fused, products with packed weights;
 * see {@link Module#inferenceStep}), and the plan owns every value prepared from the weights. It
 * is not a recorded graph: each step is the module's own code for that path, chosen once, and a
 * module without a step of its own runs its plain forward (in evaluation mode).
 *
 * <p>The prepared values follow the weights: each records the tensors and the
 * {@link Tensor#version() versions} it was made from, and a run that finds one out of date
 * (after an optimizer step, a loaded state dict, a rebinding, any in-place write) makes it again
 * first, so training and then running the plan never gives results of the old weights, and
 * nothing needs to be called in between. (A run that overlaps a write on another thread may see
 * part of it; runs that start after the write has returned see all of it.)
 *
 * <p>{@link #run} may be called from many threads at once; each run holds one consistent set of
 * prepared values, records no graph and frees its intermediate tensors as soon as they are dead,
 * returning only the result (in the caller's current scope). The example input given at
 * compilation fixes the input's dtype, device and shape apart from the batch size (dimension 0).
 */
public final class InferencePlan implements AutoCloseable {
    private final Module module;
    private final InferenceStep root;
    private final PreparedWeights weights;
    private final int[] shape;
    private final DType dtype;
    private final Device device;

    private InferencePlan(Module module, InferenceStep root, PreparedWeights weights, Tensor example) {
        this.module = module;
        this.root = root;
        this.weights = weights;
        this.shape = example.shape();
        this.dtype = example.dtype();
        this.device = example.device();
    }

    /**
     * Compiles module (put in evaluation mode) for inputs like example, and runs it once on
     * example, so that a module that cannot take such inputs fails here rather than at the first
     * call.
     */
    public static InferencePlan compile(Module module, Tensor example) {
        if (example.dim() < 1) {
            throw new IllegalArgumentException("an inference plan needs an example input with a batch dimension, got " + example.describe());
        }
        module.eval();
        PreparedWeights weights = new PreparedWeights();
        InferenceStep root = new InferenceCompiler(weights).step(module);
        InferencePlan plan = new InferencePlan(module, root, weights, example);
        try (Scope s = Scope.open()) {
            plan.run(example);
        } catch (RuntimeException e) {
            weights.close();
            throw new IllegalArgumentException(module.getClass().getSimpleName() + " does not run on the example input "
                    + example.describe() + ": " + e.getMessage(), e);
        }
        return plan;
    }

    /** The compiled module. */
    public Module module() {
        return module;
    }

    /** The input shape the plan was compiled for (dimension 0, the batch, may differ in a call); a copy. */
    public int[] inputShape() {
        return shape.clone();
    }

    /**
     * The module's evaluation-mode output on input, with weights as they are now. A module that
     * was switched to training mode since is put back in evaluation mode first.
     */
    public Tensor run(Tensor input) {
        check(input);
        if (module.isTraining()) {
            synchronized (this) {
                module.eval();
            }
        }
        PreparedSet w = weights.acquire();
        try (var g = GradMode.noGrad()) {
            return Scope.compute(() -> root.apply(w, input));
        } finally {
            w.release();
        }
    }

    private void check(Tensor input) {
        int[] s = input.shape();
        boolean ok = s.length == shape.length && input.dtype() == dtype && input.device().equals(device) && s[0] > 0;
        for (int i = 1; ok && i < s.length; i++) {
            ok = s[i] == shape[i];
        }
        if (!ok) {
            StringBuilder want = new StringBuilder("(B");
            for (int i = 1; i < shape.length; i++) {
                want.append(", ").append(shape[i]);
            }
            throw new IllegalArgumentException("this plan of " + module.getClass().getSimpleName() + " takes " + dtype + " inputs on " + device
                    + " shaped " + want + ") for any batch size B (the example's was " + Shape.toString(shape) + "), got " + input.describe());
        }
    }

    /** Frees the prepared weights once runs in progress have finished; later runs are refused. Idempotent. */
    @Override
    public void close() {
        weights.close();
    }
}
