/**
 * The tensor API: {@link panface.tensor.Tensor} (n-dimensional views over a {@link panface.tensor.Storage}
 * with shape, strides and offset, on a {@link panface.tensor.Device}), the functional ops named as
 * PyTorch's ({@link panface.tensor.F}), memory ownership ({@link panface.tensor.Scope}: every tensor
 * belongs to the innermost scope open on its thread and is freed when it closes), mixed precision
 * ({@link panface.tensor.Autocast}) and the engine's settings ({@link panface.tensor.RuntimeConfig}).
 *
 * <p>Memory has one owner rule on every device: a {@link panface.tensor.Storage} belongs to the
 * scope current on the thread that allocated it and is freed when that scope closes; made outside
 * any scope, it belongs to the garbage collector (host and device alike). Everything else that
 * holds memory is an internal cache of one backend, never an owner of a tensor's values: the CPU
 * backend's {@code ArrayPool} (arrays of freed storages, held softly, reused by later
 * allocations) and {@code NativeScratch} (GEMM packing buffers, taken for one product); the
 * packed copies of weights ({@code PackedWeight}, {@code ConvPackedWeight}, freed with the
 * prepared object that holds them); the CUDA backend's caching allocator (blocks of freed
 * storages, reused on the device's one stream). nn's {@code ParameterSlab} is not an owner either:
 * it lays parameters out as views of one storage, owned by a scope like any other.
 *
 * <p>Layout of the module: {@code ops} holds each differentiable op's forward beside its backward;
 * {@code autograd} the graph and its engine; {@code backend} the kernel interface every device
 * implements; {@code cpu} and {@code cuda} the two implementations; {@code random} the counter-based
 * generator both share; {@code io} safetensors and JSON; {@code golden} the runner of PyTorch-written
 * golden cases.
 */
package panface.tensor;
