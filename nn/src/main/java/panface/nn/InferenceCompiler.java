package panface.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import panface.tensor.Tensor;

/**
 * What a module is given when an {@link InferencePlan} is compiled: its children's steps, and
 * slots for values prepared from weights that the plan owns and keeps up to date.
 */
public final class InferenceCompiler {
    private final PreparedWeights weights;

    InferenceCompiler(PreparedWeights weights) {
        this.weights = weights;
    }

    /** The evaluation-mode step of a module (its own fast path, or its plain forward). */
    public InferenceStep step(Module m) {
        return m.inferenceStep(this);
    }

    /**
     * A slot for a value made by make from the weights of sources (every parameter and buffer of
     * each source module and its descendants). The plan makes it before the first run and again
     * whenever one of those weights has been replaced or written in place, so make must read
     * the modules' weights when it is called, not capture tensors beforehand.
     */
    public <T> PreparedSlot<T> prepare(Supplier<T> make, Module... sources) {
        List<Supplier<Tensor>> src = new ArrayList<>();
        for (Module m : sources) {
            for (Parameter p : m.namedParameters().values()) {
                src.add(p::data);
            }
            for (Buffer b : m.namedBuffers().values()) {
                src.add(b::data);
            }
        }
        return weights.add(make, src);
    }

    /**
     * A slot for a value made from tensors that no parameter holds (an imported graph's
     * constants): made again when one of them is written in place (its version moves on).
     */
    public <T> PreparedSlot<T> prepareFrom(Supplier<T> make, Tensor... sources) {
        List<Supplier<Tensor>> src = new ArrayList<>();
        for (Tensor t : sources) {
            src.add(() -> t);
        }
        return weights.add(make, src);
    }
}
