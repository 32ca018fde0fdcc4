/**
 * The tensor API: {@link panface.tensor.Tensor} (n-dimensional views over a {@link panface.tensor.Storage}
 * with shape, strides and offset, on a {@link panface.tensor.Device}), the functional ops named as
 * PyTorch's ({@link panface.tensor.F}), memory ownership ({@link panface.tensor.Scope}: every tensor
 * belongs to the innermost scope open on its thread and is freed when it closes), mixed precision
 * ({@link panface.tensor.Autocast}) and the engine's settings ({@link panface.tensor.RuntimeConfig}).
 *
 * <p>Layout of the module: {@code ops} holds each differentiable op's forward beside its backward;
 * {@code autograd} the graph and its engine; {@code backend} the kernel interface every device
 * implements; {@code cpu} and {@code cuda} the two implementations; {@code random} the counter-based
 * generator both share; {@code io} safetensors and JSON; {@code golden} the runner of PyTorch-written
 * golden cases.
 */
package panface.tensor;
