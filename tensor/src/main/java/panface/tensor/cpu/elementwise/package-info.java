/**
 * The elementwise family, the CPU side of {@code elementwise.cu}: unary ops and their gradients,
 * binary ops (arithmetic, comparisons, int64), where, the fused bias and activation, copies and
 * fills between any layouts and dtypes, and random fills.
 *
 * <p>The reference is {@code ElementwiseReference} (double copies, the specification); the fast
 * kernels are {@code VecElementwise} (float32 Vector API loops, over the per-op loops that
 * {@code VecUnary} and {@code VecBinary} clone from {@code VecUnaryLoop} and {@code VecBinaryLoop}
 * through {@code LoopClones}), {@code SelectKernels} (comparisons and where on float32 rows) and
 * {@code IntegerKernels} (int64 arithmetic). {@code CopyKernels} and {@code RandomKernels} have no
 * separate reference: each is one kernel for every dtype and layout.
 */
package panface.tensor.cpu.elementwise;
