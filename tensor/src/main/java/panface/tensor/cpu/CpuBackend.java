package panface.tensor.cpu;

import panface.tensor.backend.ConvEpilogueView;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Storage;
import panface.tensor.View;
import panface.tensor.backend.Backend;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.attention.AttentionReference;
import panface.tensor.cpu.attention.VecAttention;
import panface.tensor.cpu.channel.BatchNormKernels;
import panface.tensor.cpu.channel.ChannelKernels;
import panface.tensor.cpu.conv.ConvKernels;
import panface.tensor.cpu.conv.ConvPrepared;
import panface.tensor.cpu.elementwise.CopyKernels;
import panface.tensor.cpu.elementwise.ElementwiseReference;
import panface.tensor.cpu.elementwise.IntegerKernels;
import panface.tensor.cpu.elementwise.RandomKernels;
import panface.tensor.cpu.elementwise.SelectKernels;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.gemm.GemmReference;
import panface.tensor.cpu.image.FastImage;
import panface.tensor.cpu.image.FastPool;
import panface.tensor.cpu.image.ImageReference;
import panface.tensor.cpu.index.IndexKernels;
import panface.tensor.cpu.index.SortKernels;
import panface.tensor.cpu.optim.OptimReference;
import panface.tensor.cpu.optim.OptimizerKernels;
import panface.tensor.cpu.rows.RowsReference;
import panface.tensor.cpu.rows.VecRows;
import panface.tensor.cpu.runtime.CpuStorage;

/**
 * The CPU backend. Every primitive has a plain reference implementation in double (the {@code
 * *Reference} class of its family package) that defines its semantics; float32 work on contiguous data takes the
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
    public void copy(View src, View dst) {
        CopyKernels.copy(src, dst);
    }

    @Override
    public void fill(View dst, double value) {
        CopyKernels.fill(dst, value);
    }

    @Override
    public void randomFill(View dst, Distribution dist, long seed, long offset, double a, double b) {
        RandomKernels.random(dst, dist, seed, offset, a, b);
    }

    // ---- elementwise --------------------------------------------------------------------------

    @Override
    public void biasActivation(UnaryOp act, double a, double b, View x, View bias, View out) {
        if (KernelSelection.biasActivation(act, x, bias, out) == CpuKernel.BIAS_ACTIVATION_FUSED) {
            VecElementwise.biasAct(act, x, bias, out, a, b);
        } else {
            Backend.super.biasActivation(act, a, b, x, bias, out);
        }
    }

    @Override
    public void biasActivationBackward(UnaryOp act, double a, double b, View x, View bias, View gy, View gz) {
        if (KernelSelection.biasActivationBackward(act, x, bias, gy, gz) == CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED) {
            VecElementwise.biasActBackward(act, x, bias, gy, gz, a, b);
        } else {
            Backend.super.biasActivationBackward(act, a, b, x, bias, gy, gz);
        }
    }

    @Override
    public boolean biasActivationBackward(UnaryOp act, double a, double b, View x, View bias, View gy, View gz, View gbias) {
        if (KernelSelection.biasActivationBackward(act, x, bias, gy, gz, gbias) != CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED) {
            return false;
        }
        VecElementwise.biasActBackward(act, x, bias, gy, gz, gbias, a, b);
        return true;
    }

    @Override
    public void unary(UnaryOp op, View x, View out, double a, double b) {
        if (KernelSelection.unary(op, x, out) == CpuKernel.UNARY_VECTOR) {
            VecElementwise.unary(op, x, out, a, b);
        } else {
            ElementwiseReference.unary(op, x, out, a, b);
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, View x, View y, View gy, View gx, double a, double b) {
        if (KernelSelection.unaryBackward(op, x, y, gy, gx) == CpuKernel.UNARY_BACKWARD_VECTOR) {
            VecElementwise.unaryBackward(op, x, y, gy, gx, a, b);
        } else {
            ElementwiseReference.unaryBackward(op, x, y, gy, gx, a, b);
        }
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View out) {
        boolean done = switch (KernelSelection.binary(op, a, b, out)) {
            case BINARY_VECTOR -> VecElementwise.binary(op, a, b, out);
            case BINARY_COMPARE -> SelectKernels.binaryPred(op, a, b, out);
            case BINARY_INTEGER -> {
                IntegerKernels.binaryInt(op, a, b, out);
                yield true;
            }
            default -> false;
        };
        if (!done) {
            ElementwiseReference.binary(op, a, b, out);
        }
    }

    @Override
    public void where(View cond, View a, View b, View out) {
        if (KernelSelection.where(cond, a, b, out) != CpuKernel.WHERE_ROWS || !SelectKernels.where(cond, a, b, out)) {
            ElementwiseReference.where(cond, a, b, out);
        }
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int[] dims, View out) {
        CpuKernel k = KernelSelection.reduce(op, x, dims, out);
        if (k != CpuKernel.REDUCE_PACKED) {
            reduceContiguous(k, op, x, dims, out);
            return;
        }
        // a strided float32 view (a narrowed or permuted activation): one packing copy, then the fast kernels
        View packed = CopyKernels.empty(x.dtype(), x.shape());
        try {
            CopyKernels.copy(x, packed);
            reduceContiguous(KernelSelection.contiguousReduce(op, packed, dims, out), op, packed, dims, out);
        } finally {
            packed.storage().close();
        }
    }

    private static void reduceContiguous(CpuKernel k, ReduceOp op, View x, int[] dims, View out) {
        switch (k) {
            case REDUCE_ROWS -> VecRows.reduce(op, x, dims, out);
            case REDUCE_AROUND -> {
                if (!BatchNormKernels.sumAround(op, x, dims, out)) {
                    throw new IllegalStateException("sumAround declined what KernelSelection chose for it");
                }
            }
            default -> RowsReference.reduce(op, x, dims, out);
        }
    }

    @Override
    public void sort(View x, boolean descending, View values, View indices) {
        SortKernels.sort(x, descending, values, indices);
    }

    @Override
    public void topk(View x, int k, boolean largest, View values, View indices) {
        SortKernels.topk(x, k, largest, values, indices);
    }

    @Override
    public void searchsorted(View sorted, View values, boolean right, View out) {
        SortKernels.searchsorted(sorted, values, right, out);
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @Override
    public void matmul(View a, View b, View out, double alpha, double beta) {
        if (KernelSelection.matmul(a, b, out) != CpuKernel.MATMUL_GEMM || !Gemm.matmul(a, b, out, alpha, beta)) {
            GemmReference.matmul(a, b, out, alpha, beta);
        }
    }

    @Override
    public Object prepackWeight(View weight) {
        return Gemm.prepack(weight);
    }

    @Override
    public boolean linearPrepacked(View x, Object packed, View bias, UnaryOp act, double a, View residual, View out) {
        return Gemm.linearPrepacked(x, packed, bias, act, a, residual, out);
    }

    // ---- per-channel kernels ----------------------------------------------------------------------

    @Override
    public boolean channelAffine(View x, View scale, View shift, View out) {
        return ChannelKernels.affine(x, scale, shift, out);
    }

    @Override
    public boolean prelu(View x, View slope, View out) {
        return ChannelKernels.prelu(x, slope, out);
    }

    @Override
    public boolean preluBackward(View x, View slope, View gy, View gx, View gslope) {
        return ChannelKernels.preluBackward(x, slope, gy, gx, gslope);
    }

    @Override
    public boolean batchNormMoments(View x, View mean, View var) {
        return BatchNormKernels.moments(x, mean, var);
    }

    @Override
    public boolean batchNormBackward(View x, View mean, View rstd, View weight, View gy, View gx, View gw, View gb) {
        return BatchNormKernels.backward(x, mean, rstd, weight, gy, gx, gw, gb);
    }

    // ---- fused row kernels ----------------------------------------------------------------------

    @Override
    public void softmax(View x, View out, boolean log) {
        if (KernelSelection.softmax(x, out) == CpuKernel.SOFTMAX_ROWS) {
            VecRows.softmax(x, out, log);
        } else {
            RowsReference.softmax(x, out, log);
        }
    }

    @Override
    public void softmaxBackward(View y, View gy, View gx, boolean log) {
        if (KernelSelection.softmaxBackward(y, gy, gx) == CpuKernel.SOFTMAX_BACKWARD_ROWS) {
            VecRows.softmaxBackward(y, gy, gx, log);
        } else {
            RowsReference.softmaxBackward(y, gy, gx, log);
        }
    }

    @Override
    public void layerNorm(View x, View weight, View bias, double eps, View y, View mean, View rstd) {
        if (KernelSelection.layerNorm(x, weight, bias, y, mean, rstd) == CpuKernel.LAYER_NORM_ROWS) {
            VecRows.layerNorm(x, weight, bias, eps, y, mean, rstd);
        } else {
            RowsReference.layerNorm(x, weight, bias, eps, y, mean, rstd);
        }
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        if (KernelSelection.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb) == CpuKernel.LAYER_NORM_BACKWARD_ROWS) {
            VecRows.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
        } else {
            RowsReference.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
        }
    }

    @Override
    public void attention(View q, View k, View v, double scale, View out, View lse) {
        if (KernelSelection.attention(q, k, v, out, lse) == CpuKernel.ATTENTION_FUSED) {
            VecAttention.attentionForward(q, k, v, scale, out, lse);
        } else {
            AttentionReference.attentionForward(q, k, v, scale, out, lse);
        }
    }

    @Override
    public void attentionBackward(View q, View k, View v, View out, View lse, View gy, double scale,
                                  View gq, View gk, View gv) {
        if (KernelSelection.attentionBackward(q, k, v, out, lse, gy, gq, gk, gv) == CpuKernel.ATTENTION_BACKWARD_FUSED) {
            VecAttention.attentionBackward(q, k, v, out, lse, gy, scale, gq, gk, gv);
        } else {
            AttentionReference.attentionBackward(q, k, v, out, lse, gy, scale, gq, gk, gv);
        }
    }

    @Override
    public boolean sgd(View param, View grad, View buf, double lr, double momentum, double dampening, double weightDecay,
                       boolean nesterov, boolean first) {
        return OptimizerKernels.sgd(param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, first);
    }

    @Override
    public void adamw(View param, View grad, View m, View v, double lr, double beta1, double beta2, double eps, double weightDecay,
                      long step) {
        if (KernelSelection.adamw(param, grad, m, v) == CpuKernel.ADAMW_VECTOR) {
            OptimizerKernels.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        } else {
            OptimReference.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    // ---- indexing -----------------------------------------------------------------------------

    @Override
    public void indexSelect(View x, int dim, View index, View out) {
        IndexKernels.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(View out, int dim, View index, View src) {
        IndexKernels.indexAdd(out, dim, index, src);
    }

    @Override
    public void gather(View x, int dim, View index, View out) {
        IndexKernels.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(View out, int dim, View index, View src) {
        IndexKernels.scatterAdd(out, dim, index, src);
    }

    // ---- images -------------------------------------------------------------------------------

    @Override
    public void im2col(View x, Conv2dParams p, View cols) {
        if (KernelSelection.im2col(x, cols) == CpuKernel.IM2COL_FAST) {
            FastImage.im2col(x, p, cols);
        } else {
            ImageReference.im2col(x, p, cols);
        }
    }

    @Override
    public void col2im(View cols, Conv2dParams p, View x) {
        if (KernelSelection.col2im(cols, x) == CpuKernel.COL2IM_FAST) {
            FastImage.col2im(cols, p, x);
        } else {
            ImageReference.col2im(cols, p, x);
        }
    }

    @Override
    public boolean conv2d(View x, View weight, Conv2dParams p, int groups, ConvEpilogueView epilogue, View out) {
        return ConvKernels.forward(x, weight, p, groups, epilogue, out);
    }

    @Override
    public Object prepareConv(View weight, Conv2dParams p, int groups) {
        return weight.dtype() == panface.tensor.DType.F32 ? ConvPrepared.of(CopyKernels.contiguous(weight), p, groups) : null;
    }

    @Override
    public boolean conv2dPrepared(View x, Object prepared, ConvEpilogueView epilogue, View out) {
        return prepared instanceof ConvPrepared w && ConvKernels.forwardPrepared(x, w, epilogue, out);
    }

    @Override
    public boolean conv2dBackwardInput(View gy, View weight, Conv2dParams p, int groups, View gx) {
        return ConvKernels.backwardInput(gy, weight, p, groups, gx);
    }

    @Override
    public boolean conv2dBackwardWeight(View gy, View x, Conv2dParams p, int groups, View gw) {
        return ConvKernels.backwardWeight(gy, x, p, groups, gw);
    }

    @Override
    public void maxPool2d(View x, Pool2dParams p, View out, View argmax) {
        if (KernelSelection.maxPool2d(x, out, argmax) == CpuKernel.MAX_POOL2D_FAST) {
            FastPool.maxPool(x, p, out, argmax);
        } else {
            ImageReference.maxPool(x, p, out, argmax);
        }
    }

    @Override
    public void maxPool2dBackward(View gy, View argmax, View gx) {
        if (KernelSelection.maxPool2dBackward(gy, argmax, gx) == CpuKernel.MAX_POOL2D_BACKWARD_FAST) {
            FastPool.maxPoolBackward(gy, argmax, gx);
        } else {
            ImageReference.maxPoolBackward(gy, argmax, gx);
        }
    }

    @Override
    public void avgPool2d(View x, Pool2dParams p, View out) {
        if (KernelSelection.avgPool2d(x, out) == CpuKernel.AVG_POOL2D_FAST) {
            FastPool.avgPool(x, p, out);
        } else {
            ImageReference.avgPool(x, p, out);
        }
    }

    @Override
    public void avgPool2dBackward(View gy, Pool2dParams p, View gx) {
        if (KernelSelection.avgPool2dBackward(gy, gx) == CpuKernel.AVG_POOL2D_BACKWARD_FAST) {
            FastPool.avgPoolBackward(gy, p, gx);
        } else {
            ImageReference.avgPoolBackward(gy, p, gx);
        }
    }

    @Override
    public void adaptiveAvgPool2d(View x, View out) {
        if (KernelSelection.adaptiveAvgPool2d(x, out) == CpuKernel.ADAPTIVE_AVG_POOL2D_FAST) {
            FastPool.adaptiveAvgPool(x, out, null, null);
        } else {
            ImageReference.adaptiveAvgPool(x, out, null, null);
        }
    }

    @Override
    public void adaptiveAvgPool2dBackward(View gy, View gx) {
        if (KernelSelection.adaptiveAvgPool2dBackward(gy, gx) == CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD_FAST) {
            FastPool.adaptiveAvgPool(null, null, gy, gx);
        } else {
            ImageReference.adaptiveAvgPool(null, null, gy, gx);
        }
    }

    @Override
    public void gridSample(View x, View grid, boolean alignCorners, View out) {
        if (KernelSelection.gridSample(x, grid, out) == CpuKernel.GRID_SAMPLE_FAST) {
            FastImage.gridSample(x, grid, alignCorners, out);
        } else {
            ImageReference.gridSample(x, grid, alignCorners, out, null, null, null);
        }
    }

    @Override
    public void gridSampleBackward(View x, View grid, boolean alignCorners, View gy, View gx, View ggrid) {
        if (KernelSelection.gridSampleBackward(x, grid, gy, gx, ggrid) == CpuKernel.GRID_SAMPLE_BACKWARD_FAST) {
            FastImage.gridSampleBackward(x, grid, alignCorners, gy, gx, ggrid);
        } else {
            ImageReference.gridSample(x, grid, alignCorners, null, gy, gx, ggrid);
        }
    }
}
