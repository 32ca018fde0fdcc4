/**
 * The GEMM family (no {@code .cu} file: on CUDA, cuBLAS): matmul, and linear layers over a weight
 * packed once.
 *
 * <p>The reference is {@code GemmReference} (a double sum per output element); the fast kernels are
 * {@code Gemm} (OpenBLAS's sgemm/dgemm, else {@code JavaGemm} for float32), and {@code PackedGemm}
 * over {@code PackedWeight} (OpenBLAS's micro-kernels on weights packed once, checked on first use
 * by {@code SelfCheck}), and {@code SmallGemm} (OpenBLAS's kernel called directly, for the small
 * per-head products of attention).
 */
package panface.tensor.cpu.gemm;
