/**
 * The face losses' own kernels, outside the core engine: {@link
 * panface.faceloss.kernels.MarginCrossEntropyKernel} with its CPU implementation and the CUDA one,
 * registered with {@link panface.tensor.backend.ExtensionKernels} by {@link
 * panface.faceloss.kernels.MarginKernelsProvider}, a service of the module. Not exported.
 */
package panface.faceloss.kernels;
