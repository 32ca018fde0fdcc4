/**
 * The CPU backend: {@link panface.tensor.cpu.CpuBackend} (a service of the module, through
 * {@code CpuBackendProvider}) picks one kernel per call as {@code KernelSelection} decides under the
 * conditions of the kernel table {@code CpuKernel}; {@code CpuInfo} reports the machine.
 *
 * <p>The kernels live in one package per op family, named after the CUDA source file where there
 * is one ({@code panface/tensor/cuda/*.cu}), and their methods after its kernels
 * ({@code layer_norm_backward} is {@code layerNormBackward}), so the CUDA kernel, the CPU fast
 * kernel and the reference can be read side by side. In each family {@code <Family>Reference} is
 * the reference (computed in double, short and obviously right: the specification) and the other
 * classes are the fast kernels, tested against it by the differential tests:
 * <ul>
 *   <li>{@code elementwise} ({@code elementwise.cu}): unary, binary, where, bias-activation, copy,
 *       fill, random; {@code ElementwiseReference} beside {@code VecElementwise},
 *       {@code SelectKernels}, {@code IntegerKernels}, {@code CopyKernels}, {@code RandomKernels}.
 *   <li>{@code rows} ({@code rows.cu}, {@code reduce.cu}): reductions, softmax, layer norm;
 *       {@code RowsReference} beside {@code VecRows}.
 *   <li>{@code attention} ({@code attention.cu}): {@code AttentionReference} beside
 *       {@code VecAttention}.
 *   <li>{@code image} ({@code image.cu}): im2col, col2im, pooling, grid sampling;
 *       {@code ImageReference} beside {@code FastImage}, {@code FastPool}.
 *   <li>{@code index} ({@code index.cu}): index select/add, gather, scatter-add, sort, top-k;
 *       {@code IndexReference} beside {@code IndexKernels}, {@code SortKernels}.
 *   <li>{@code gemm} (cuBLAS on CUDA): {@code GemmReference} beside {@code Gemm},
 *       {@code PackedGemm}, {@code JavaGemm}.
 *   <li>{@code conv} (convolution): {@code ConvReference} beside {@code ConvKernels} and the
 *       {@code Conv*} kernels it picks from.
 *   <li>{@code channel} (per-channel affine, PReLU, batch norm): {@code ChannelKernels},
 *       {@code BatchNormKernels}; no reference, they decline and the op layer composes.
 *   <li>{@code optim} (fused optimizer steps): {@code OptimReference} beside
 *       {@code OptimizerKernels}.
 *   <li>{@code runtime}: what the families share and no family's code (storage, threads, pools,
 *       strided walks, the reference kernels' double copies {@code Ref} and call counts
 *       {@code RefCalls}); it depends on no family.
 * </ul>
 * Work is split across {@code Parallel}'s threads; {@code panface.tensor.math.VecReproducible}
 * keeps results bit-identical from run to run.
 *
 * <p>Not exported: code outside the tensor module reaches this backend through {@link
 * panface.tensor.backend.BackendProvider}. The module exports this package only to examples
 * ({@code panface info}), and {@code runtime} only to faceloss (whose margin kernel works on
 * {@code CpuStorage}) and examples.
 */
package panface.tensor.cpu;
