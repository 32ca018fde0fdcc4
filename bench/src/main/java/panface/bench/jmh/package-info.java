/**
 * JMH benchmarks of the CPU kernels through the public API: GEMM shapes of the face models,
 * row operations, fused attention and elementwise arithmetic. Run with
 * {@code bench/scripts/jmh.sh [regex] [JMH options]}.
 */
package panface.bench.jmh;
