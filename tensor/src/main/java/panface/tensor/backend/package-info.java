/**
 * The kernel interface a device implements ({@link panface.tensor.backend.Backend}), the op codes it
 * receives ({@link panface.tensor.backend.UnaryOp} and {@link panface.tensor.backend.BinaryOp},
 * which also describe each elementwise op once for every backend: see there how to add one;
 * {@link panface.tensor.backend.ReduceOp}, {@link panface.tensor.backend.Distribution}; the CUDA
 * kernels receive their ordinals, which a test ties to the C enums) and the parameters of windowed
 * ops. The math the descriptions' forms share is in {@code panface.tensor.math}, not in a backend. Backends are found through {@link panface.tensor.backend.BackendProvider}s.
 */
package panface.tensor.backend;
