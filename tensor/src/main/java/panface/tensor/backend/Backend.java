package panface.tensor.backend;


import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Shape;
import panface.tensor.Storage;
import panface.tensor.View;

/**
 * The primitives a device must provide. Ops (with their gradients) are written once on top of
 * this contract and never branch on the device; {@code CpuBackend} and {@code CudaBackend}
 * implement it. Operands are {@link View}s (storage, offset, shape, strides), which the ops take
 * from their tensors with {@code asView()}: kernels move numbers and never see gradients or the
 * autograd graph.
 *
 * <p>Conventions, unless a method says otherwise: every tensor argument lives on this backend's
 * device; outputs are freshly allocated and contiguous; inputs may be arbitrary strided views
 * (stride 0 for broadcast dimensions, negative strides for flips); floating operands of one call
 * share a dtype; index tensors are I64 or I32; indices are checked and an out-of-range index is an
 * {@link IndexOutOfBoundsException} naming the value and the bound.
 */
public interface Backend {

    /** The device this backend serves. */
    Device device();

    // ---- memory -----------------------------------------------------------------------------

    /** Allocates zero-filled storage in the current scope. */
    Storage allocate(DType dtype, int numel);

    /** Allocates storage with unspecified contents (for outputs that are written in full). */
    Storage allocateUninitialized(DType dtype, int numel);

    /** A contiguous view of new storage with unspecified contents (for outputs that are written in full). */
    default View empty(DType dtype, int... shape) {
        return View.contiguous(allocateUninitialized(dtype, Shape.numel(shape)), shape);
    }

    /**
     * Waits until all work queued on this backend's device has finished (asynchronous backends such
     * as CUDA queue kernels on a stream; the CPU backend runs every op to completion and returns at once).
     */
    default void synchronize() {
    }

    /**
     * Copies {@code count} elements from a host array (float[], double[], short[] for BF16/F16,
     * int[], long[] or byte[] for BOOL, matching the storage dtype) into storage.
     */
    void write(Storage dst, int dstOffset, Object src, int srcOffset, int count);

    /** Copies {@code count} elements of storage into a host array of the storage's element type. */
    void read(Storage src, int srcOffset, Object dst, int dstOffset, int count);

    /** dst = src elementwise over the same shape, converting dtypes; dst may be a strided view. */
    void copy(View src, View dst);

    /** Sets every element of dst (a possibly strided view) to value. */
    void fill(View dst, double value);

    /**
     * Fills a contiguous tensor from a Philox4x32-10 stream: element i uses counter block
     * {@code offset + i / 4}, word {@code i % 4}, under the key given by seed. Equal arguments give
     * equal values on every backend.
     */
    void randomFill(View dst, Distribution dist, long seed, long offset, double a, double b);

    // ---- elementwise ------------------------------------------------------------------------

    /** out = op(x); out has x's shape (BOOL for NONZERO and NOT). */
    void unary(UnaryOp op, View x, View out, double a, double b);

    /** gx = gy * op'(x), given the forward input x and output y. */
    void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b);

    /** out = a op b; a and b are views broadcast to out's shape. */
    void binary(BinaryOp op, View a, View b, View out);

    /** out = cond ? a : b; all three broadcast to out's shape, cond BOOL. */
    void where(View cond, View a, View b, View out);

    // ---- reductions -------------------------------------------------------------------------

    /**
     * Reduces x over {@code dims} (sorted, distinct) into out, which has x's rank with size 1 in
     * the reduced dimensions. ARGMAX/ARGMIN take exactly one dimension and write I64 (the first
     * index of the extreme value).
     */
    void reduce(ReduceOp op, View x, int[] dims, View out);

    /**
     * Sorts along the last dimension (stable), writing values and I64 indices of x's shape.
     */
    void sort(View x, boolean descending, View values, View indices);

    /** The k largest (or smallest) along the last dimension, in sorted order, with I64 indices. */
    void topk(View x, int k, boolean largest, View values, View indices);

    /**
     * For each value, the insertion index into the sorted last dimension of {@code sorted}
     * (leftmost, or rightmost when {@code right}); sorted is 1-D or has values' leading dims.
     */
    void searchsorted(View sorted, View values, boolean right, View out);

    // ---- linear algebra ---------------------------------------------------------------------

    /**
     * Batched GEMM: out[..] = alpha * a[..] @ b[..] + beta * out[..] with a (..., M, K),
     * b (..., K, N) and out (..., M, N), batch dimensions already broadcast to out's. a and b may
     * be transposed views (unit stride in either of their last two dimensions).
     */
    void matmul(View a, View b, View out, double alpha, double beta);

    /**
     * A linear layer's weight (out, in) prepared for repeated products on this backend, or null
     * when the backend gains nothing from preparing it (the default).
     */
    default Object prepackWeight(View weight) {
        return null;
    }

    /**
     * out (rows, out) = residual + act(x (rows, in) @ weight^T + bias) with a weight from
     * {@link #prepackWeight}, the bias, activation (with parameter a) and residual applied to
     * rows of the product while they are still in cache; bias, act and residual (rows, out) may
     * each be null. Returns false, computing nothing, when the backend has no such path for this
     * input.
     */
    default boolean linearPrepacked(View x, Object packed, View bias, UnaryOp act, double a, View residual, View out) {
        return false;
    }

    // ---- per-channel kernels ------------------------------------------------------------------
    // Over dimension 1 of a contiguous (N, C, ...) tensor; F32 and F64. Each returns false,
    // computing nothing, where the backend has no such kernel, and the op takes its composite path.

    /** out = x * scale[c] + shift[c] with scale and shift of C elements (or 1, for every element). */
    default boolean channelAffine(View x, View scale, View shift, View out) {
        return false;
    }

    /** PReLU: out = x > 0 ? x : slope[c] * x with C slopes (or 1, for every element). */
    default boolean prelu(View x, View slope, View out) {
        return false;
    }

    /**
     * PReLU's gradients: gx = x > 0 ? gy : slope[c] * gy, and gslope[c] the sum of gy * x over
     * channel c's elements that are not above 0; gx or gslope may be null (written, not accumulated).
     */
    default boolean preluBackward(View x, View slope, View gy, View gx, View gslope) {
        return false;
    }

    /** Batch normalisation's per-channel mean and biased variance of x, into (C) tensors. */
    default boolean batchNormMoments(View x, View mean, View var) {
        return false;
    }

    /**
     * Batch normalisation's training-mode gradients given the batch mean and rstd =
     * 1/sqrt(var + eps) (PyTorch's): with h = (x - mean) rstd over M values a channel, gx = w rstd
     * (gy - sum(gy)/M - h sum(gy h)/M), gw = sum(gy h), gb = sum(gy). weight null means 1; gx, gw,
     * gb may be null (written, not accumulated).
     */
    default boolean batchNormBackward(View x, View mean, View rstd, View weight, View gy, View gx, View gw, View gb) {
        return false;
    }

    // ---- fused row kernels --------------------------------------------------------------------

    /** Softmax (or log-softmax) over the last dimension of a contiguous x. */
    void softmax(View x, View out, boolean log);

    /** Gradient of softmax (or log-softmax) given its output y. */
    void softmaxBackward(View y, View gy, View gx, boolean log);

    /**
     * Layer normalisation over the last dimension of a contiguous x (rows = all leading
     * dimensions); weight and bias may be null. Writes y, and the F32/F64 per-row mean and
     * 1/sqrt(var + eps) used by the backward.
     */
    void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd);

    /** Gradients of layer normalisation; gw and gb may be null (and are overwritten, not accumulated). */
    void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb);

    /**
     * Scaled dot-product attention over q, k, v (B, H, T, D) contiguous: out = softmax(q k^T *
     * scale) v, and lse (B, H, T) F32/F64, the log-sum-exp of each row of scaled scores.
     */
    void attention(View q, View k, View v, double scale, View out, View lse);

    /** Gradients of {@link #attention} given its output, lse and the upstream gradient. */
    void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale,
                           View gq, View gk, View gv);

    /**
     * out = act(x + bias) with bias (N) added along the last dimension of x (..., N): the epilogue
     * of a linear layer. The default adds, then applies the activation; backends with a fused
     * kernel (CUDA) do both in one pass, keeping x + bias in registers.
     */
    default void biasActivation(UnaryOp act, double a, double b, View x, View bias, View out) {
        View z = plusBias(x, bias);
        unary(act, z, out, a, b);
        z.storage().close();
    }

    /** gz = gy * act'(x + bias), the gradient of {@link #biasActivation} with respect to x (and, summed, to bias). */
    default void biasActivationBackward(UnaryOp act, double a, double b, View x, View bias, View gy, View gz) {
        View z = plusBias(x, bias);
        View y = empty(x.dtype(), x.shape());
        unary(act, z, y, a, b);
        unaryBackward(act, z, y, gy, gz, a, b);
        y.storage().close();
        z.storage().close();
    }

    /**
     * As {@link #biasActivationBackward(UnaryOp, double, double, View, View, View, View)}, with
     * gbias (N) = the sums of gz over all but its last dimension (the bias gradient) computed in
     * the same pass; false (nothing written) when the backend has no such kernel for the operands.
     */
    default boolean biasActivationBackward(UnaryOp act, double a, double b, View x, View bias, View gy, View gz, View gbias) {
        return false;
    }

    /** A new tensor x + bias, bias along the last dimension (the caller frees it). */
    private View plusBias(View x, View bias) {
        View z = empty(x.dtype(), x.shape());
        binary(BinaryOp.ADD, x, bias.expand(x.shape()), z);
        return z;
    }

    /**
     * One fused SGD update in place (PyTorch's torch.optim.SGD) of a contiguous F32 or F64
     * parameter with its gradient and momentum buffer (null without momentum): d = g + wd p;
     * buf = first ? d : momentum buf + (1 - dampening) d; d = nesterov ? d + momentum buf : buf;
     * p -= lr d. Returns false, computing nothing, where the backend has no such kernel.
     */
    default boolean sgd(View param, View grad, View buf, double lr, double momentum, double dampening, double weightDecay,
                        boolean nesterov, boolean first) {
        return false;
    }

    /**
     * One fused AdamW update of a contiguous parameter, in place (PyTorch's torch.optim.AdamW):
     * p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), for step t (1-based).
     */
    void adamw(View param, View grad, View m, View v, double lr, double beta1, double beta2, double eps, double weightDecay,
               long step);

    // ---- indexing ---------------------------------------------------------------------------

    /** out = x selected along dim at index (1-D); out's dim has index's length. */
    void indexSelect(View x, int dim, View index, View out);

    /** out[..., index[i], ...] += src[..., i, ...] along dim (duplicates accumulate). */
    void indexAdd(View out, int dim, View index, View src);

    /** out = x.gather(dim, index) (PyTorch semantics; index has out's shape). */
    void gather(View x, int dim, View index, View out);

    /** out.scatter_add_(dim, index, src) (PyTorch semantics). */
    void scatterAdd(View out, int dim, View index, View src);

    // ---- images -----------------------------------------------------------------------------

    /** Unfolds x (N, C, H, W) into cols (N, C*kh*kw, Ho*Wo), zeros where the window is padding. */
    void im2col(View x, Conv2dParams p, View cols);

    /** Folds cols (N, C*kh*kw, Ho*Wo) back, accumulating into x (N, C, H, W). */
    void col2im(View cols, Conv2dParams p, View x);

    /**
     * out (N, O, Ho, Wo) = the convolution of x (N, C, H, W) with weight (O, C/groups, kh, kw),
     * with epilogue's parts applied (see {@link ConvEpilogueView}); x, weight, out and every tensor of
     * the epilogue contiguous and of one dtype. Returns false, computing nothing, when the backend
     * has no direct path for these operands; the caller then unfolds (im2col) and multiplies. A
     * backend that returns true must also implement {@link #conv2dBackwardInput} and
     * {@link #conv2dBackwardWeight} for the same operands.
     */
    default boolean conv2d(View x, View weight, Conv2dParams p, int groups, ConvEpilogueView epilogue, View out) {
        return false;
    }

    /**
     * A convolution weight (O, C/groups, kh, kw), which the caller will not change, prepared for
     * repeated inference calls of {@link #conv2dPrepared}, or null when the backend gains nothing
     * from preparing it (the default).
     */
    default Object prepareConv(View weight, Conv2dParams p, int groups) {
        return null;
    }

    /**
     * As {@link #conv2d} (forward only) with a weight from {@link #prepareConv}; false, computing
     * nothing, when the backend has no such path for these operands.
     */
    default boolean conv2dPrepared(View x, Object prepared, ConvEpilogueView epilogue, View out) {
        return false;
    }

    /** gx (N, C, H, W) = the gradient of a convolution's input from gy (N, O, Ho, Wo); false when not handled (see {@link #conv2d}). */
    default boolean conv2dBackwardInput(View gy, View weight, Conv2dParams p, int groups, View gx) {
        return false;
    }

    /** gw (O, C/groups, kh, kw) = the gradient of a convolution's weight from gy and x; false when not handled (see {@link #conv2d}). */
    default boolean conv2dBackwardWeight(View gy, View x, Conv2dParams p, int groups, View gw) {
        return false;
    }

    /** Max pooling; argmax receives the I64 flat index (h*W+w) of each maximum in its plane. */
    void maxPool2d(View x, Pool2dParams p, View out, View argmax);

    /** Routes gy to the recorded maxima, accumulating into gx. */
    void maxPool2dBackward(View gy, View argmax, View gx);

    /** Average pooling with PyTorch's count_include_pad and ceil_mode semantics. */
    void avgPool2d(View x, Pool2dParams p, View out);

    /** Gradient of average pooling, written into gx. */
    void avgPool2dBackward(View gy, Pool2dParams p, View gx);

    /** Adaptive average pooling of x (N, C, H, W) to out (N, C, Ho, Wo), PyTorch's windows. */
    void adaptiveAvgPool2d(View x, View out);

    /** Gradient of adaptive average pooling, written into gx. */
    void adaptiveAvgPool2dBackward(View gy, View gx);

    /** Bilinear grid sampling with zero padding; grid (N, Ho, Wo, 2) holds (x, y) in [-1, 1]. */
    void gridSample(View x, View grid, boolean alignCorners, View out);

    /** Gradients of grid sampling with respect to x and grid (either may be null). */
    void gridSampleBackward(View x, View grid, boolean alignCorners, View gy, View gx, View ggrid);
}
