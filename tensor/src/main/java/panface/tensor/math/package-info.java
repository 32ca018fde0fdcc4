/**
 * The pure math that the op descriptions of {@code panface.tensor.backend} ({@code UnaryOp},
 * {@code BinaryOp}) and the CPU backend's kernels share: the special functions of the double
 * references ({@code ScalarMath}: erf, the logistic function) and the float32 vector helpers
 * ({@code VecMath}, GELU's piecewise erf in {@code PiecewisePolynomial}, and {@code VecReproducible},
 * whose exp, log, tanh and lane sums round the same way in every JIT tier).
 *
 * <p>Why a package of its own: an op's description carries its vector form, which needs these
 * helpers, and the CPU backend runs those forms; with the helpers in the backend's package the
 * backend contract and the CPU backend depended on each other. Here they depend on nothing of
 * the tensor module but its start-up settings ({@code RuntimeConfig}), and both {@code backend}
 * and {@code cpu} depend on them.
 *
 * <p>Not part of the API: the module exports it only to nn (whose initialisers use erf) and to
 * faceloss (whose margin kernel uses the reproducible exp and sums).
 */
package panface.tensor.math;
