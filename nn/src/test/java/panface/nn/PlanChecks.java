package panface.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/** What the inference-plan tests compare against: a module's own plain forward in evaluation mode. */
public final class PlanChecks {
    private PlanChecks() {
    }

    /** m's plain forward on x in evaluation mode, without a graph. */
    public static Tensor eval(Module m, Tensor x) {
        m.eval();
        try (var g = GradMode.noGrad()) {
            return ((Layer) m).forward(x);
        }
    }

    /** max |got - want| over max |want|. */
    public static double relErr(Tensor got, Tensor want) {
        return got.sub(want).abs().max().item() / want.abs().max().item();
    }

    /** A plan of m compiled on x gives m's evaluation forward within tol, on x and on its first image alone (another batch size). */
    public static void matches(Module m, Tensor x, double tol) {
        try (Scope s = Scope.open(); InferencePlan plan = m.compileInference(x)) {
            Tensor want = eval(m, x);
            double e = relErr(plan.run(x), want);
            assertTrue(e <= tol, () -> m.getClass().getSimpleName() + ": relative error " + e);
            // another batch size than the example's
            Tensor x1 = x.narrow(0, 0, 1).contiguous();
            double e1 = relErr(plan.run(x1), eval(m, x1));
            assertTrue(e1 <= tol, () -> m.getClass().getSimpleName() + " at batch 1: relative error " + e1);
        }
    }
}
