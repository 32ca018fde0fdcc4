/**
 * What every family of CPU kernels stands on, and no family's code: the host storage
 * ({@code CpuStorage}, its arrays recycled by {@code ArrayPool}), the thread pool ({@code Parallel},
 * which reads ahead a packed weight through {@code Prefetch} while idle), native scratch
 * ({@code NativeScratch}), the level-2 cache size ({@code CacheSize}), walks over strided views
 * ({@code Strided}, {@code Rows}), and the reference kernels' double copies ({@code Ref}) and their
 * call counts ({@code RefCalls}).
 *
 * <p>Exported only to faceloss (whose margin kernel works on {@code CpuStorage} with
 * {@code Parallel} and counts its reference calls) and examples (whose tests pass the thread count
 * to child processes).
 */
package panface.tensor.cpu.runtime;
