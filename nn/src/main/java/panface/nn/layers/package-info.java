/**
 * Layers with PyTorch's state-dict keys and default initialisation: linear, convolution, batch and
 * layer normalisation, PReLU, dropout and drop path, multi-head attention, the MLP and the pre-norm
 * transformer block. Layers that {@code prepareInference()} can speed up keep a packed copy of their
 * weights, dropped whenever the weights change.
 */
package panface.nn.layers;
