/**
 * The attention family, the CPU side of {@code attention.cu}: scaled dot-product attention over
 * (B, H, T, D), forward (saving each row's log-sum-exp) and backward.
 *
 * <p>The reference is {@code AttentionReference} (double copies, the specification); the fast
 * kernel is {@code VecAttention} (float32, scores through the GEMM family's {@code Gemm.sgemm}).
 * Both name their methods after the CUDA kernels: {@code attentionForward} is
 * {@code attention_forward}; {@code attentionBackward} does what {@code attention_delta},
 * {@code attention_dq} and {@code attention_dkdv} do between them.
 */
package panface.tensor.cpu.attention;
