/**
 * Layers with PyTorch's state-dict keys and default initialisation: linear, convolution, batch and
 * layer normalisation, PReLU, dropout and drop path, multi-head attention, the MLP and the pre-norm
 * transformer block. Each layer has one forward; the fast evaluation-mode paths (packed weights,
 * fused residuals and activations) are steps of an {@link panface.nn.InferencePlan}, which owns
 * the prepared weights.
 */
package panface.nn.layers;
