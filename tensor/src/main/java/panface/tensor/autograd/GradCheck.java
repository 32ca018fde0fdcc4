package panface.tensor.autograd;

import java.util.Arrays;
import java.util.function.Function;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Checks an op's analytic gradient against central finite differences in float64. The scalar
 * checked is {@code sum(f(inputs) * R)} for a fixed random cotangent R, so every output element
 * and every input element takes part. f must be deterministic (use fixed seeds inside it).
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Tolerances: a gradient entry passes when |analytic - numeric| &lt;= atol + rtol * |numeric|. */
    public record Options(double eps, double atol, double rtol) {
        /** eps 1e-6, atol 1e-7, rtol 1e-6: central differences in float64 are good to about 1e-9. */
        public static final Options DEFAULT = new Options(1e-6, 1e-7, 1e-6);
    }

    /** Runs the check with default options; throws {@link AssertionError} describing the first mismatches. */
    public static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(name, Options.DEFAULT, f, inputs);
    }

    /** Runs the check; inputs must be F64 CPU tensors, and those with requiresGrad are checked. */
    public static void check(String name, Options opt, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype().isFloating() && t.dtype() != DType.F64) {
                throw new IllegalArgumentException(name + ": gradient checks run in F64, got an input " + t.describe());
            }
        }
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = inputs[i].detach().copy().requiresGrad(inputs[i].requiresGrad());
        }
        Tensor y = f.apply(leaves);
        if (y.dtype() != DType.F64) {
            throw new IllegalArgumentException(name + ": the output must be F64, got " + y.describe());
        }
        Tensor r = Tensor.randn(new Generator(1234), y.shape()).to(DType.F64);
        double[] rv = r.toDoubleArray();
        if (!y.requiresGrad()) {
            throw new AssertionError(name + ": output does not require a gradient although inputs do");
        }
        y.mul(r).sum().backward();
        StringBuilder fails = new StringBuilder();
        int failures = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].requiresGrad()) {
                continue;
            }
            Tensor g = leaves[i].grad();
            double[] analytic = g == null ? new double[inputs[i].numel()] : g.toDoubleArray();
            double[] base = inputs[i].toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                double numeric = (objective(f, inputs, i, j, base, opt.eps(), rv) - objective(f, inputs, i, j, base, -opt.eps(), rv))
                        / (2 * opt.eps());
                double err = Math.abs(analytic[j] - numeric);
                if (!(err <= opt.atol() + opt.rtol() * Math.abs(numeric))) {
                    failures++;
                    if (failures <= 5) {
                        fails.append(String.format("%n  input %d element %d: analytic %.12g numeric %.12g (error %.3g)", i, j, analytic[j], numeric, err));
                    }
                }
            }
        }
        if (failures > 0) {
            throw new AssertionError(name + ": " + failures + " gradient entries differ from finite differences:" + fails);
        }
    }

    private static double objective(Function<Tensor[], Tensor> f, Tensor[] inputs, int which, int elem, double[] base, double delta,
                                    double[] r) {
        try (var off = GradMode.noGrad()) {
            Tensor[] args = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (i == which) {
                    double[] v = Arrays.copyOf(base, base.length);
                    v[elem] += delta;
                    args[i] = Tensor.of(v, inputs[i].shape());
                } else {
                    args[i] = inputs[i].detach();
                }
            }
            double[] y = f.apply(args).toDoubleArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) {
                s += y[k] * r[k];
            }
            return s;
        }
    }
}
