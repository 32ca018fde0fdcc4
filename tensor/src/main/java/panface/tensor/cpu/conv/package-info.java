/**
 * The convolution family (no {@code .cu} file: on CUDA, cuDNN or im2col and a GEMM): 2-d
 * convolution forward, with a fused epilogue, and its input and weight gradients, on float32
 * contiguous operands.
 *
 * <p>The reference is {@code ConvReference} (the definition summed in double, for the tests; a
 * call the fast kernels decline runs as im2col and matmul). The fast kernels start at
 * {@code ConvKernels}, which picks by {@code ConvShape}: the direct kernels ({@code ConvDirect},
 * {@code ConvDepthwise}), Winograd F(2x2) and F(4x4) ({@code ConvWinograd*}) and tiled GEMM
 * ({@code ConvGemm}, {@code ConvTiles}), with the epilogue in {@code ConvFused}; weights prepared
 * once ({@code ConvPrepared}, {@code ConvPackedWeight}, {@code ConvProduct}) feed the GEMM family's
 * packed kernels.
 */
package panface.tensor.cpu.conv;
