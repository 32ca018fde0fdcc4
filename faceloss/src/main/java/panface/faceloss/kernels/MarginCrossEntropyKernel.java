package panface.faceloss.kernels;

import panface.tensor.View;

/**
 * The fused margin-softmax cross-entropy over cosine logits, one implementation per device kind,
 * found through {@link panface.tensor.backend.ExtensionKernels}: per-row losses and, optionally,
 * the gradient in one pass. With z_j = s*clamp(c_j) for j != y and z_y = s*target(c_y), where
 * target(c) = cos(m1*acos(c) + m2) - m3 (insightface's combined margin), loss_i =
 * logsumexp(z) - z_y, and grad = gradScale * dloss/dc (through the straight-through or exact
 * derivative of the target; zero for cosines outside [-1, 1]). A label of -1 marks a row whose
 * target is elsewhere: no loss, the softmax gradient of the negatives only.
 */
public interface MarginCrossEntropyKernel {
    /**
     * Writes loss (B) and, when grad is not null, grad (B, K, which may be cos itself).
     *
     * @param cos          contiguous (B, K) cosines, float32 or float64
     * @param labels       (B) int64 labels in [-1, K)
     * @param exact        the exact derivative of the margined target rather than straight-through
     * @param hardFallback insightface's hard margin where m1*theta + m2 passes pi
     */
    void marginCrossEntropy(View cos, View labels, double s, double m1, double m2, double m3, boolean exact, boolean hardFallback,
                            double gradScale, View loss, View grad);
}
