package panface.tensor;

import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Elementwise;
import panface.tensor.ops.LinearAlgebra;

/**
 * Functions on tensors, named as in PyTorch's {@code torch.nn.functional}: activations, linear
 * layers, normalisation, losses, convolution and pooling, attention, indexing.
 */
public final class F {
    private F() {
    }

    // ---- activations --------------------------------------------------------------------------

    public static Tensor relu(Tensor x) {
        return Elementwise.unary(UnaryOp.RELU, x, 0, 0);
    }

    /** min(max(x, 0), 6), the face ViT's MLP activation. */
    public static Tensor relu6(Tensor x) {
        return Elementwise.unary(UnaryOp.RELU6, x, 0, 0);
    }

    public static Tensor leakyRelu(Tensor x, double slope) {
        return Elementwise.unary(UnaryOp.LEAKY_RELU, x, slope, 0);
    }

    /** GELU with the exact normal CDF (PyTorch's approximate="none"). */
    public static Tensor gelu(Tensor x) {
        return Elementwise.unary(UnaryOp.GELU, x, 0, 0);
    }

    /** GELU with PyTorch's tanh approximation (approximate="tanh"). */
    public static Tensor geluTanh(Tensor x) {
        return Elementwise.unary(UnaryOp.GELU_TANH, x, 0, 0);
    }

    public static Tensor sigmoid(Tensor x) {
        return Elementwise.unary(UnaryOp.SIGMOID, x, 0, 0);
    }

    public static Tensor tanh(Tensor x) {
        return Elementwise.unary(UnaryOp.TANH, x, 0, 0);
    }

    public static Tensor silu(Tensor x) {
        return Elementwise.unary(UnaryOp.SILU, x, 0, 0);
    }

    public static Tensor hardswish(Tensor x) {
        return Elementwise.unary(UnaryOp.HARDSWISH, x, 0, 0);
    }

    public static Tensor hardsigmoid(Tensor x) {
        return Elementwise.unary(UnaryOp.HARDSIGMOID, x, 0, 0);
    }

    /** PReLU: x for x &gt; 0, weight * x otherwise; weight has 1 or C (= x.size(1)) elements. */
    public static Tensor prelu(Tensor x, Tensor weight) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** cond ? a : b with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Elementwise.where(cond, a, b);
    }

    // ---- linear ---------------------------------------------------------------------------------

    /** x @ weight^T + bias; weight (OUT, IN), bias (OUT) or null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    /** PyTorch's matmul. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return LinearAlgebra.matmul(a, b);
    }

    // ---- softmax and losses -------------------------------------------------------------------

    /** Softmax along dim, computed stably (row max subtracted). */
    public static Tensor softmax(Tensor x, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Log-softmax along dim, computed stably. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Mean cross-entropy of logits (B, C) against I64 class targets (B). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Cross-entropy with label smoothing (PyTorch's semantics: the target distribution is
     * (1 - eps) one-hot + eps / C) and a reduction.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing, Reduction reduction) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** x / max(||x||_2, eps) along dim (PyTorch's F.normalize with p=2). */
    public static Tensor l2Normalize(Tensor x, int dim, double eps) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- normalisation and regularisation -------------------------------------------------------

    /** Layer normalisation over the last dimension; weight and bias (of that size) may be null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Layer normalisation over the trailing dimensions given by normalizedShape. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Batch normalisation of x (N, C, ...) over all but the channel dimension. In training the batch
     * statistics are used and the running statistics (if given) are updated in place with
     * momentum, the running variance unbiased; in evaluation the running statistics are used.
     * weight and bias may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p) in training. */
    public static Tensor dropout(Tensor x, double p, boolean training, panface.tensor.random.Generator gen) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stochastic depth: drops whole samples (dim 0) with probability p, scaling the kept ones by 1/(1-p). */
    public static Tensor dropPath(Tensor x, double p, boolean training, panface.tensor.random.Generator gen) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- attention ------------------------------------------------------------------------------

    /** softmax(q k^T * scale) v for q, k, v (B, H, T, D); scale is usually 1/sqrt(D). */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, double scale) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- convolution and pooling ----------------------------------------------------------------

    /** 2-D convolution: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** 2-D max pooling. */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** 2-D average pooling. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Adaptive average pooling to (outH, outW). */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Bilinear sampling of x (N, C, H, W) at grid (N, Ho, Wo, 2) in [-1, 1], zero padding. */
    public static Tensor gridSample(Tensor x, Tensor grid, boolean alignCorners) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- indexing -------------------------------------------------------------------------------

    /** PyTorch's gather. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Rows (or slices along dim) of x at a 1-D index. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** x with src added at index along dim (out-of-place scatter_add). */
    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Rows of weight (V, E) at integer indices of any shape: result (..., E). */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- joining, splitting, reordering -----------------------------------------------------------

    /** Concatenation along an existing dimension. */
    public static Tensor cat(java.util.List<Tensor> tensors, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stacking along a new dimension. */
    public static Tensor stack(java.util.List<Tensor> tensors, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Pieces of a given size along dim (the last may be smaller). */
    public static java.util.List<Tensor> split(Tensor x, int size, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** n nearly equal pieces along dim (as torch.chunk). */
    public static java.util.List<Tensor> chunk(Tensor x, int n, int dim) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Reverses the order along the given dimensions. */
    public static Tensor flip(Tensor x, int... dims) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Constant padding; pads lists (before, after) pairs starting from the last dimension, as
     * PyTorch's F.pad.
     */
    public static Tensor pad(Tensor x, int[] pads, double value) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    // ---- sorting and searching (no gradient) ------------------------------------------------------

    /** Sorted values and indices along dim (stable). */
    public static ValuesIndices sort(Tensor x, int dim, boolean descending) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Indices that sort x along dim (stable). */
    public static Tensor argsort(Tensor x, int dim, boolean descending) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The k largest (or smallest) values along dim, sorted, with indices. */
    public static ValuesIndices topk(Tensor x, int k, int dim, boolean largest) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Insertion positions of values in the sorted last dimension of sorted (torch.searchsorted). */
    public static Tensor searchsorted(Tensor sorted, Tensor values, boolean right) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
