/**
 * The per-channel family (no {@code .cu} file: on CUDA these ops are composed from elementwise
 * and reduction kernels): over contiguous (N, C, ...) tensors, the channel affine map, PReLU and
 * its gradient ({@code ChannelKernels}), and batch normalisation's moments, backward pass and the
 * sum around the channel dimension ({@code BatchNormKernels}).
 *
 * <p>There is no reference file: each kernel returns false, computing nothing, when its operands
 * do not fit, and the op layer composes the result from primitives whose references are in the
 * elementwise and rows families.
 */
package panface.tensor.cpu.channel;
