package panface.tensor.cpu;

import panface.tensor.ConvEpilogue;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Storage;
import panface.tensor.Tensor;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;

/**
 * The CPU backend. Every primitive has a plain reference implementation in double ({@link
 * RefKernels} and friends) that defines its semantics; float32 work on contiguous data takes the
 * fast paths (Vector API, OpenBLAS, threads), which the tests check against the reference. Which
 * kernel runs is decided by {@link KernelSelection} under the conditions listed in {@link CpuKernel}
 * ({@code panface info --kernels} prints them); this class only carries the choice out.
 */
public final class CpuBackend implements Backend {
    /** The single instance. */
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int numel) {
        return new CpuStorage(dtype, numel, true);
    }

    @Override
    public Storage allocateUninitialized(DType dtype, int numel) {
        return new CpuStorage(dtype, numel, false);
    }

    @Override
    public void write(Storage dst, int dstOffset, Object src, int srcOffset, int count) {
        CpuStorage s = (CpuStorage) dst;
        Object a = s.array();
        checkArrayType(a, src);
        System.arraycopy(src, srcOffset, a, dstOffset, count);
    }

    @Override
    public void read(Storage src, int srcOffset, Object dst, int dstOffset, int count) {
        CpuStorage s = (CpuStorage) src;
        Object a = s.array();
        checkArrayType(a, dst);
        System.arraycopy(a, srcOffset, dst, dstOffset, count);
    }

    private static void checkArrayType(Object storageArray, Object host) {
        if (storageArray.getClass() != host.getClass()) {
            throw new IllegalArgumentException("host array " + host.getClass().getSimpleName() + " does not match storage element type "
                    + storageArray.getClass().getSimpleName());
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CopyKernels.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        CopyKernels.fill(dst, value);
    }

    @Override
    public void randomFill(Tensor dst, Distribution dist, long seed, long offset, double a, double b) {
        RandomKernels.fill(dst, dist, seed, offset, a, b);
    }

    // ---- elementwise --------------------------------------------------------------------------

    @Override
    public void biasActivation(UnaryOp act, double a, double b, Tensor x, Tensor bias, Tensor out) {
        if (KernelSelection.biasActivation(act, x, bias, out) == CpuKernel.BIAS_ACTIVATION_FUSED) {
            VecElementwise.biasActivation(act, x, bias, out, a, b);
        } else {
            Backend.super.biasActivation(act, a, b, x, bias, out);
        }
    }

    @Override
    public void biasActivationBackward(UnaryOp act, double a, double b, Tensor x, Tensor bias, Tensor gy, Tensor gz) {
        if (KernelSelection.biasActivationBackward(act, x, bias, gy, gz) == CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED) {
            VecElementwise.biasActivationBackward(act, x, bias, gy, gz, a, b);
        } else {
            Backend.super.biasActivationBackward(act, a, b, x, bias, gy, gz);
        }
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out, double a, double b) {
        if (KernelSelection.unary(op, x, out) == CpuKernel.UNARY_VECTOR) {
            VecElementwise.unary(op, x, out, a, b);
        } else {
            RefKernels.unary(op, x, out, a, b);
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, double a, double b) {
        if (KernelSelection.unaryBackward(op, x, y, gy, gx) == CpuKernel.UNARY_BACKWARD_VECTOR) {
            VecElementwise.unaryBackward(op, x, y, gy, gx, a, b);
        } else {
            RefKernels.unaryBackward(op, x, y, gy, gx, a, b);
        }
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        boolean done = switch (KernelSelection.binary(op, a, b, out)) {
            case BINARY_VECTOR -> VecElementwise.binary(op, a, b, out);
            case BINARY_COMPARE -> SelectKernels.compare(op, a, b, out);
            case BINARY_INTEGER -> {
                IntegerKernels.binary(op, a, b, out);
                yield true;
            }
            default -> false;
        };
        if (!done) {
            RefKernels.binary(op, a, b, out);
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (KernelSelection.where(cond, a, b, out) != CpuKernel.WHERE_ROWS || !SelectKernels.where(cond, a, b, out)) {
            RefKernels.where(cond, a, b, out);
        }
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        CpuKernel k = KernelSelection.reduce(op, x, dims, out);
        if (k != CpuKernel.REDUCE_PACKED) {
            reduceContiguous(k, op, x, dims, out);
            return;
        }
        // a strided float32 view (a narrowed or permuted activation): one packing copy, then the fast kernels
        Tensor packed = Tensor.empty(x.device(), x.dtype(), x.shape());
        try {
            CopyKernels.copy(x, packed);
            reduceContiguous(KernelSelection.contiguousReduce(op, packed, dims, out), op, packed, dims, out);
        } finally {
            packed.storage().close();
        }
    }

    private static void reduceContiguous(CpuKernel k, ReduceOp op, Tensor x, int[] dims, Tensor out) {
        switch (k) {
            case REDUCE_ROWS -> VecRows.reduce(op, x, dims, out);
            case REDUCE_AROUND -> {
                if (!BatchNormKernels.sumAround(op, x, dims, out)) {
                    throw new IllegalStateException("sumAround declined what KernelSelection chose for it");
                }
            }
            default -> RefKernels.reduce(op, x, dims, out);
        }
    }

    @Override
    public void sort(Tensor x, boolean descending, Tensor values, Tensor indices) {
        SortKernels.sort(x, descending, values, indices);
    }

    @Override
    public void topk(Tensor x, int k, boolean largest, Tensor values, Tensor indices) {
        SortKernels.topk(x, k, largest, values, indices);
    }

    @Override
    public void searchsorted(Tensor sorted, Tensor values, boolean right, Tensor out) {
        SortKernels.searchsorted(sorted, values, right, out);
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, double alpha, double beta) {
        if (KernelSelection.matmul(a, b, out) != CpuKernel.MATMUL_GEMM || !Gemm.matmul(a, b, out, alpha, beta)) {
            RefKernels.matmul(a, b, out, alpha, beta);
        }
    }

    @Override
    public Object prepackWeight(Tensor weight) {
        return Gemm.prepack(weight);
    }

    @Override
    public boolean linearPrepacked(Tensor x, Object packed, Tensor bias, UnaryOp act, double a, Tensor residual, Tensor out) {
        return Gemm.linearPrepacked(x, packed, bias, act, a, residual, out);
    }

    // ---- per-channel kernels ----------------------------------------------------------------------

    @Override
    public boolean channelAffine(Tensor x, Tensor scale, Tensor shift, Tensor out) {
        return ChannelKernels.affine(x, scale, shift, out);
    }

    @Override
    public boolean prelu(Tensor x, Tensor slope, Tensor out) {
        return ChannelKernels.prelu(x, slope, out);
    }

    @Override
    public boolean preluBackward(Tensor x, Tensor slope, Tensor gy, Tensor gx, Tensor gslope) {
        return ChannelKernels.preluBackward(x, slope, gy, gx, gslope);
    }

    @Override
    public boolean batchNormMoments(Tensor x, Tensor mean, Tensor var) {
        return BatchNormKernels.moments(x, mean, var);
    }

    @Override
    public boolean batchNormBackward(Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        return BatchNormKernels.backward(x, mean, rstd, weight, gy, gx, gw, gb);
    }

    // ---- fused row kernels ----------------------------------------------------------------------

    @Override
    public void softmax(Tensor x, Tensor out, boolean log) {
        if (KernelSelection.softmax(x, out) == CpuKernel.SOFTMAX_ROWS) {
            VecRows.softmax(x, out, log);
        } else {
            RefKernels.softmax(x, out, log);
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        if (KernelSelection.softmaxBackward(y, gy, gx) == CpuKernel.SOFTMAX_BACKWARD_ROWS) {
            VecRows.softmaxBackward(y, gy, gx, log);
        } else {
            RefKernels.softmaxBackward(y, gy, gx, log);
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        if (KernelSelection.layerNorm(x, weight, bias, y, mean, rstd) == CpuKernel.LAYER_NORM_ROWS) {
            VecRows.layerNorm(x, weight, bias, eps, y, mean, rstd);
        } else {
            RefKernels.layerNorm(x, weight, bias, eps, y, mean, rstd);
        }
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        if (KernelSelection.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb) == CpuKernel.LAYER_NORM_BACKWARD_ROWS) {
            VecRows.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
        } else {
            RefKernels.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
        }
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, double scale, Tensor out, Tensor lse) {
        if (KernelSelection.attention(q, k, v, out, lse) == CpuKernel.ATTENTION_FUSED) {
            VecAttention.forward(q, k, v, scale, out, lse);
        } else {
            AttentionKernels.forward(q, k, v, scale, out, lse);
        }
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor gy, double scale,
                                  Tensor gq, Tensor gk, Tensor gv) {
        if (KernelSelection.attentionBackward(q, k, v, out, lse, gy, gq, gk, gv) == CpuKernel.ATTENTION_BACKWARD_FUSED) {
            VecAttention.backward(q, k, v, out, lse, gy, scale, gq, gk, gv);
        } else {
            AttentionKernels.backward(q, k, v, out, lse, gy, scale, gq, gk, gv);
        }
    }

    @Override
    public boolean sgd(Tensor param, Tensor grad, Tensor buf, double lr, double momentum, double dampening, double weightDecay,
                       boolean nesterov, boolean first) {
        return OptimizerKernels.sgd(param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, first);
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, double weightDecay,
                      long step) {
        if (KernelSelection.adamw(param, grad, m, v) == CpuKernel.ADAMW_VECTOR) {
            OptimizerKernels.adamwF32(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        } else {
            OptimizerKernels.adamwReference(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    // ---- indexing -----------------------------------------------------------------------------

    @Override
    public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) {
        IndexKernels.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexKernels.indexAdd(out, dim, index, src);
    }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        IndexKernels.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(Tensor out, int dim, Tensor index, Tensor src) {
        IndexKernels.scatterAdd(out, dim, index, src);
    }

    // ---- images -------------------------------------------------------------------------------

    @Override
    public void im2col(Tensor x, Conv2dParams p, Tensor cols) {
        if (KernelSelection.im2col(x, cols) == CpuKernel.IM2COL_FAST) {
            FastImage.im2col(x, p, cols);
        } else {
            ImageKernels.im2col(x, p, cols);
        }
    }

    @Override
    public void col2im(Tensor cols, Conv2dParams p, Tensor x) {
        if (KernelSelection.col2im(cols, x) == CpuKernel.COL2IM_FAST) {
            FastImage.col2im(cols, p, x);
        } else {
            ImageKernels.col2im(cols, p, x);
        }
    }

    @Override
    public boolean conv2d(Tensor x, Tensor weight, Conv2dParams p, int groups, ConvEpilogue epilogue, Tensor out) {
        return ConvKernels.forward(x, weight, p, groups, epilogue, out);
    }

    @Override
    public Object prepareConv(Tensor weight, Conv2dParams p, int groups) {
        return weight.dtype() == panface.tensor.DType.F32 ? ConvPrepared.of(weight.contiguous(), p, groups) : null;
    }

    @Override
    public boolean conv2dPrepared(Tensor x, Object prepared, ConvEpilogue epilogue, Tensor out) {
        return prepared instanceof ConvPrepared w && ConvKernels.forwardPrepared(x, w, epilogue, out);
    }

    @Override
    public boolean conv2dBackwardInput(Tensor gy, Tensor weight, Conv2dParams p, int groups, Tensor gx) {
        return ConvKernels.backwardInput(gy, weight, p, groups, gx);
    }

    @Override
    public boolean conv2dBackwardWeight(Tensor gy, Tensor x, Conv2dParams p, int groups, Tensor gw) {
        return ConvKernels.backwardWeight(gy, x, p, groups, gw);
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dParams p, Tensor out, Tensor argmax) {
        if (KernelSelection.maxPool2d(x, out, argmax) == CpuKernel.MAX_POOL2D_FAST) {
            FastPool.maxPool2d(x, p, out, argmax);
        } else {
            ImageKernels.maxPool2d(x, p, out, argmax);
        }
    }

    @Override
    public void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        if (KernelSelection.maxPool2dBackward(gy, argmax, gx) == CpuKernel.MAX_POOL2D_BACKWARD_FAST) {
            FastPool.maxPool2dBackward(gy, argmax, gx);
        } else {
            ImageKernels.maxPool2dBackward(gy, argmax, gx);
        }
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dParams p, Tensor out) {
        if (KernelSelection.avgPool2d(x, out) == CpuKernel.AVG_POOL2D_FAST) {
            FastPool.avgPool2d(x, p, out);
        } else {
            ImageKernels.avgPool2d(x, p, out);
        }
    }

    @Override
    public void avgPool2dBackward(Tensor gy, Pool2dParams p, Tensor gx) {
        if (KernelSelection.avgPool2dBackward(gy, gx) == CpuKernel.AVG_POOL2D_BACKWARD_FAST) {
            FastPool.avgPool2dBackward(gy, p, gx);
        } else {
            ImageKernels.avgPool2dBackward(gy, p, gx);
        }
    }

    @Override
    public void adaptiveAvgPool2d(Tensor x, Tensor out) {
        if (KernelSelection.adaptiveAvgPool2d(x, out) == CpuKernel.ADAPTIVE_AVG_POOL2D_FAST) {
            FastPool.adaptiveAvgPool2d(x, out, null, null);
        } else {
            ImageKernels.adaptiveAvgPool2d(x, out, null, null);
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gy, Tensor gx) {
        if (KernelSelection.adaptiveAvgPool2dBackward(gy, gx) == CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD_FAST) {
            FastPool.adaptiveAvgPool2d(null, null, gy, gx);
        } else {
            ImageKernels.adaptiveAvgPool2d(null, null, gy, gx);
        }
    }

    @Override
    public void gridSample(Tensor x, Tensor grid, boolean alignCorners, Tensor out) {
        if (KernelSelection.gridSample(x, grid, out) == CpuKernel.GRID_SAMPLE_FAST) {
            FastImage.gridSample(x, grid, alignCorners, out);
        } else {
            ImageKernels.gridSample(x, grid, alignCorners, out, null, null, null);
        }
    }

    @Override
    public void gridSampleBackward(Tensor x, Tensor grid, boolean alignCorners, Tensor gy, Tensor gx, Tensor ggrid) {
        if (KernelSelection.gridSampleBackward(x, grid, gy, gx, ggrid) == CpuKernel.GRID_SAMPLE_BACKWARD_FAST) {
            FastImage.gridSampleBackward(x, grid, alignCorners, gy, gx, ggrid);
        } else {
            ImageKernels.gridSample(x, grid, alignCorners, null, gy, gx, ggrid);
        }
    }
}
