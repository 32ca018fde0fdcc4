/**
 * The optimizer family (on CUDA, AdamW's kernel {@code adamw} lives in {@code rows.cu}): fused
 * parameter updates.
 *
 * <p>The reference is {@code OptimReference} (AdamW on double copies); the fast kernel is
 * {@code OptimizerKernels} (AdamW on float32 vectors, and SGD with momentum, which has no separate
 * reference: it declines operands it does not fit and the op layer composes the update).
 */
package panface.tensor.cpu.optim;
