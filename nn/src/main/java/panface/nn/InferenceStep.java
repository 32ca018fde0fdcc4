package panface.nn;

import java.util.List;

import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * One module's part of an {@link InferencePlan}: its evaluation-mode forward, resolved once when
 * the plan is compiled, reading prepared weights from the set the current run holds. Runs without
 * autograd recording (the plan turns it off).
 */
@FunctionalInterface
public interface InferenceStep {
    /** The module's output on x, reading prepared weights from w. */
    Tensor apply(PreparedSet w, Tensor x);

    /**
     * The steps applied in order, each in a scope of its own so that its intermediates are freed
     * when it returns, and each output freed once the next step has consumed it (unless it is the
     * chain's input or the next output views it): a run holds about one step's activations at a
     * time.
     */
    static InferenceStep chain(List<InferenceStep> steps) {
        List<InferenceStep> s = List.copyOf(steps);
        if (s.size() == 1) {
            return s.get(0);
        }
        return (w, x) -> {
            Tensor y = x;
            for (InferenceStep step : s) {
                Tensor in = y;
                y = Scope.compute(() -> step.apply(w, in));
                if (in != x && in.storage() != x.storage() && in.storage() != y.storage()) {
                    in.storage().close();
                }
            }
            return y;
        };
    }
}
