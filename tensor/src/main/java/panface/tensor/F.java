package panface.tensor;

import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.UnaryOp;
import panface.tensor.ops.Attention;
import panface.tensor.ops.Convolution;
import panface.tensor.ops.Elementwise;
import panface.tensor.ops.Indexing;
import panface.tensor.ops.Joining;
import panface.tensor.ops.Pooling;
import panface.tensor.ops.Sorting;
import panface.tensor.ops.LinearAlgebra;
import panface.tensor.ops.Normalization;
import panface.tensor.ops.Regularization;
import panface.tensor.ops.SoftmaxOps;

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

    /** log(1 + e^x), x itself past 20: PyTorch's softplus with beta 1 and threshold 20. */
    public static Tensor softplus(Tensor x) {
        return Elementwise.unary(UnaryOp.SOFTPLUS, x, 0, 0);
    }

    /** PReLU: x for x &gt; 0, weight * x otherwise; weight has 1 or C (= x.size(1)) elements. */
    public static Tensor prelu(Tensor x, Tensor weight) {
        return Normalization.prelu(x, weight);
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

    /**
     * act(x + bias) with bias along the last dimension (a linear layer's epilogue), fused into one
     * pass on CUDA. act: RELU, RELU6, LEAKY_RELU (slope a), SIGMOID, TANH, SILU, GELU, GELU_TANH,
     * HARDSWISH or HARDSIGMOID.
     */
    public static Tensor biasActivation(Tensor x, Tensor bias, UnaryOp act, double a) {
        return Elementwise.biasActivation(x, bias, act, a);
    }

    /** act(x weight^T + bias), the bias and activation fused where the backend allows (see {@link #biasActivation}). */
    public static Tensor linearActivation(Tensor x, Tensor weight, Tensor bias, UnaryOp act, double a) {
        return LinearAlgebra.linearActivation(x, weight, bias, act, a);
    }

    /**
     * x weight^T + bias with a weight prepared by {@link PrepackedWeight#of} (for inference: a
     * product that needs gradients uses the weight itself).
     */
    public static Tensor linear(Tensor x, PrepackedWeight weight, Tensor bias) {
        return LinearAlgebra.linear(x, weight, bias);
    }

    /** act(x weight^T + bias) with a prepared weight (see {@link #linear(Tensor, PrepackedWeight, Tensor)}). */
    public static Tensor linearActivation(Tensor x, PrepackedWeight weight, Tensor bias, UnaryOp act, double a) {
        return LinearAlgebra.linearActivation(x, weight, bias, act, a);
    }

    /**
     * residual + (x weight^T + bias) with a prepared weight (a skip connection around a linear
     * layer): when no gradient is needed the product adds straight onto an output that starts as
     * residual + bias, one pass over memory fewer than a separate add. residual has the output's
     * shape.
     */
    public static Tensor linearResidual(Tensor x, PrepackedWeight weight, Tensor bias, Tensor residual) {
        return LinearAlgebra.linearResidual(x, weight, bias, residual);
    }

    /** PyTorch's matmul. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return LinearAlgebra.matmul(a, b);
    }

    // ---- softmax and losses -------------------------------------------------------------------

    /** Softmax along dim, computed stably (row max subtracted). */
    public static Tensor softmax(Tensor x, int dim) {
        return SoftmaxOps.softmax(x, dim, false);
    }

    /** Log-softmax along dim, computed stably. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return SoftmaxOps.softmax(x, dim, true);
    }

    /** Mean cross-entropy of logits (B, C) against I64 class targets (B). */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return SoftmaxOps.crossEntropy(logits, target, 0.0, Reduction.MEAN);
    }

    /**
     * Cross-entropy with label smoothing (PyTorch's semantics: the target distribution is
     * (1 - eps) one-hot + eps / C) and a reduction.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing, Reduction reduction) {
        return SoftmaxOps.crossEntropy(logits, target, labelSmoothing, reduction);
    }

    /** x / max(||x||_2, eps) along dim (PyTorch's F.normalize with p=2). */
    public static Tensor l2Normalize(Tensor x, int dim, double eps) {
        return SoftmaxOps.l2Normalize(x, dim, eps);
    }

    // ---- normalisation and regularisation -------------------------------------------------------

    /** Layer normalisation over the last dimension; weight and bias (of that size) may be null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(x, new int[] {x.size(-1)}, weight, bias, eps);
    }

    /** Layer normalisation over the trailing dimensions given by normalizedShape. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return Normalization.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    /**
     * Batch normalisation of x (N, C, ...) over all but the channel dimension. In training the batch
     * statistics are used and the running statistics (if given) are updated in place with
     * momentum, the running variance unbiased; in evaluation the running statistics are used.
     * weight and bias may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        return Normalization.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p) in training. */
    public static Tensor dropout(Tensor x, double p, boolean training, panface.tensor.random.Generator gen) {
        return Regularization.dropout(x, p, training, gen);
    }

    /** Stochastic depth: drops whole samples (dim 0) with probability p, scaling the kept ones by 1/(1-p). */
    public static Tensor dropPath(Tensor x, double p, boolean training, panface.tensor.random.Generator gen) {
        return Regularization.dropPath(x, p, training, gen);
    }

    /** Drop path with given per-sample decisions keep (1 kept and scaled by 1/(1-p), 0 dropped). */
    public static Tensor dropPath(Tensor x, Tensor keep, double p) {
        return Regularization.dropPath(x, keep, p);
    }

    // ---- attention ------------------------------------------------------------------------------

    /** softmax(q k^T * scale) v for q, k, v (B, H, T, D); scale is usually 1/sqrt(D). */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, double scale) {
        return Attention.scaledDotProduct(q, k, v, scale);
    }

    /**
     * Multi-head self-attention from a fused projection qkv (B, L, 3*D) (per token: q, k, v, each
     * heads x D/heads): softmax(q k^T * scale) v per head, returned as (B, L, D).
     */
    public static Tensor selfAttention(Tensor qkv, int heads, double scale) {
        return Attention.selfAttention(qkv, heads, scale);
    }

    // ---- convolution and pooling ----------------------------------------------------------------

    /** 2-D convolution: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * Inference-only 2-D convolution with per-channel input scale/shift, output scale/shift (a
     * folded BatchNorm or bias), PReLU/ReLU and a residual fused (see {@link ConvEpilogue}); no
     * gradient is recorded.
     */
    public static Tensor conv2dFused(Tensor x, Tensor weight, int[] stride, int[] padding, int[] dilation, int groups, ConvEpilogue epilogue) {
        return Convolution.conv2dFused(x, weight, stride, padding, dilation, groups, epilogue);
    }

    /**
     * {@link #conv2dFused(Tensor, Tensor, int[], int[], int[], int, ConvEpilogue)} with a weight
     * prepared once for many calls (its window and groups given at preparation).
     */
    public static Tensor conv2dFused(Tensor x, PreparedConv weight, ConvEpilogue epilogue) {
        return Convolution.conv2dFused(x, weight, epilogue);
    }

    /** 2-D max pooling. */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        return Pooling.maxPool2d(x, new Pool2dParams(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], ceilMode, false));
    }

    /** 2-D average pooling. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return Pooling.avgPool2d(x, new Pool2dParams(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], ceilMode,
                countIncludePad));
    }

    /** Adaptive average pooling to (outH, outW). */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        return Pooling.adaptiveAvgPool2d(x, outH, outW);
    }

    /** Bilinear sampling of x (N, C, H, W) at grid (N, Ho, Wo, 2) in [-1, 1], zero padding. */
    public static Tensor gridSample(Tensor x, Tensor grid, boolean alignCorners) {
        return Pooling.gridSample(x, grid, alignCorners);
    }

    // ---- indexing -------------------------------------------------------------------------------

    /** PyTorch's gather. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        return Indexing.gather(x, dim, index);
    }

    /** Rows (or slices along dim) of x at a 1-D index. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        return Indexing.indexSelect(x, dim, index);
    }

    /** x with src added at index along dim (out-of-place scatter_add). */
    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        return Indexing.scatterAdd(x, dim, index, src);
    }

    /** Rows of weight (V, E) at integer indices of any shape: result (..., E). */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return Indexing.embedding(indices, weight);
    }

    // ---- joining, splitting, reordering -----------------------------------------------------------

    /** Concatenation along an existing dimension. */
    public static Tensor cat(java.util.List<Tensor> tensors, int dim) {
        return Joining.cat(tensors, dim);
    }

    /** Stacking along a new dimension. */
    public static Tensor stack(java.util.List<Tensor> tensors, int dim) {
        return Joining.stack(tensors, dim);
    }

    /** Pieces of a given size along dim (the last may be smaller). */
    public static java.util.List<Tensor> split(Tensor x, int size, int dim) {
        return Joining.split(x, size, dim);
    }

    /** n nearly equal pieces along dim (as torch.chunk). */
    public static java.util.List<Tensor> chunk(Tensor x, int n, int dim) {
        return Joining.chunk(x, n, dim);
    }

    /** Reverses the order along the given dimensions. */
    public static Tensor flip(Tensor x, int... dims) {
        return Joining.flip(x, dims);
    }

    /**
     * Constant padding; pads lists (before, after) pairs starting from the last dimension, as
     * PyTorch's F.pad.
     */
    public static Tensor pad(Tensor x, int[] pads, double value) {
        return Joining.pad(x, pads, value);
    }

    // ---- sorting and searching (no gradient) ------------------------------------------------------

    /** Sorted values and indices along dim (stable). */
    public static ValuesIndices sort(Tensor x, int dim, boolean descending) {
        return Sorting.sort(x, dim, descending);
    }

    /** Indices that sort x along dim (stable). */
    public static Tensor argsort(Tensor x, int dim, boolean descending) {
        return Sorting.sort(x, dim, descending).indices();
    }

    /** The k largest (or smallest) values along dim, sorted, with indices. */
    public static ValuesIndices topk(Tensor x, int k, int dim, boolean largest) {
        return Sorting.topk(x, k, dim, largest);
    }

    /** Insertion positions of values in the sorted last dimension of sorted (torch.searchsorted). */
    public static Tensor searchsorted(Tensor sorted, Tensor values, boolean right) {
        return Sorting.searchsorted(sorted, values, right);
    }
}
