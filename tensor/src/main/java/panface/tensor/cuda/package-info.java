/**
 * The CUDA backend, through the driver API, NVRTC, cuBLAS(Lt) and NCCL bindings of
 * {@code panface.nativebindings}: kernels are CUDA C sources (resources under
 * {@code panface/tensor/cuda}) compiled at run time for the device's architecture
 * ({@code CompiledModules}); products go to cuBLASLt with fused epilogues ({@code CudaGemm}); device
 * memory comes from a caching allocator owned by the device ({@code CudaAllocator}) and returns to it
 * when a tensor's scope closes. {@code CudaBackendProvider} says why CUDA is unavailable when it is.
 *
 * <p>Not exported: code outside the tensor module reaches this backend through {@link
 * panface.tensor.backend.BackendProvider} ({@code CudaBackendProvider} is a service of the module).
 * The module exports the package only to faceloss (its margin kernel), distributed (NCCL on device
 * memory), bench (the cuBLAS comparison) and examples ({@code panface info}).
 */
package panface.tensor.cuda;
