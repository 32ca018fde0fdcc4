/**
 * The CPU backend. Each op has a reference kernel that computes in double on row-major copies
 * ({@code RefKernels}, {@code Ref}: short, obviously right, the specification) and, for the types and
 * layouts models use, a fast kernel (Vector API loops in {@code Vec*}, the packed GEMM in
 * {@code Gemm}/{@code PackedGemm} over OpenBLAS's micro-kernels, {@code *Kernels} for the rest);
 * {@link panface.tensor.cpu.CpuBackend} picks one per call. Fast kernels are tested against the
 * reference by the differential tests. Work is split across {@code Parallel}'s threads;
 * {@code panface.tensor.math.VecReproducible} keeps results bit-identical from run to run. {@code VecUnary} and
 * {@code VecBinary} clone one set of loops per op from {@code VecUnaryLoop} and
 * {@code VecBinaryLoop}, over the op's vector form in {@link panface.tensor.backend.UnaryOp} or
 * {@link panface.tensor.backend.BinaryOp}.
 *
 * <p>Not exported: code outside the tensor module reaches this backend through {@link
 * panface.tensor.backend.BackendProvider} ({@code CpuBackendProvider} is a service of the module). The
 * module exports the package only to nn, faceloss (whose margin kernel works on {@code CpuStorage})
 * and examples ({@code panface info}).
 */
package panface.tensor.cpu;
