package panface.tensor.golden;

import panface.tensor.DType;

/** The largest max_rel a golden case may show, per dtype, and why. */
final class GoldenTolerances {
    private GoldenTolerances() {
    }

    static double maxRel(DType dtype) {
        return switch (dtype) {
            // Same float64 arithmetic as the reference up to summation order: a few ulps.
            case F64 -> 1e-9;
            // float32 has a 6e-8 unit roundoff; reductions over tens of elements (layer norm,
            // conv, attention, the single-weight PReLU gradient summing every element) accumulate
            // to about 1e-5 relative to the largest value: 1e-4 leaves a 10x margin.
            case F32 -> 1e-4;
            default -> throw new IllegalArgumentException("no golden tolerance for " + dtype);
        };
    }
}
