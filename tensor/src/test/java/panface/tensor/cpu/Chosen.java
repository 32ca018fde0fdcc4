package panface.tensor.cpu;

import static panface.tensor.cpu.KernelViews.viewOf;

import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.attention.VecAttention;
import panface.tensor.cpu.elementwise.SelectKernels;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.image.FastImage;
import panface.tensor.cpu.image.FastPool;
import panface.tensor.cpu.optim.OptimizerKernels;
import panface.tensor.cpu.rows.VecRows;

/**
 * Runs one fast kernel as {@link CpuBackend} does: only where {@link KernelSelection} chooses it.
 * Each method returns whether the fast kernel ran, so the differential tests can assert that it
 * took the operands they meant for it (and declined the others).
 */
public final class Chosen {
    private Chosen() {
    }

    public static boolean unary(UnaryOp op, Tensor x, Tensor out, double a, double b) {
        boolean take = KernelSelection.unary(op, viewOf(x), viewOf(out)) == CpuKernel.UNARY_VECTOR;
        if (take) {
            VecElementwise.unary(op, viewOf(x), viewOf(out), a, b);
        }
        return take;
    }

    public static boolean unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, double a, double b) {
        boolean take = KernelSelection.unaryBackward(op, viewOf(x), viewOf(y), viewOf(gy), viewOf(gx)) == CpuKernel.UNARY_BACKWARD_VECTOR;
        if (take) {
            VecElementwise.unaryBackward(op, viewOf(x), viewOf(y), viewOf(gy), viewOf(gx), a, b);
        }
        return take;
    }

    public static boolean biasActivation(UnaryOp op, Tensor x, Tensor bias, Tensor out, double a, double b) {
        boolean take = KernelSelection.biasActivation(op, viewOf(x), viewOf(bias), viewOf(out)) == CpuKernel.BIAS_ACTIVATION_FUSED;
        if (take) {
            VecElementwise.biasAct(op, viewOf(x), viewOf(bias), viewOf(out), a, b);
        }
        return take;
    }

    public static boolean biasActivationBackward(UnaryOp op, Tensor x, Tensor bias, Tensor gy, Tensor gz, double a, double b) {
        boolean take = KernelSelection.biasActivationBackward(op, viewOf(x), viewOf(bias), viewOf(gy), viewOf(gz)) == CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED;
        if (take) {
            VecElementwise.biasActBackward(op, viewOf(x), viewOf(bias), viewOf(gy), viewOf(gz), a, b);
        }
        return take;
    }

    public static boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.binary(op, viewOf(a), viewOf(b), viewOf(out)) == CpuKernel.BINARY_VECTOR && VecElementwise.binary(op, viewOf(a), viewOf(b), viewOf(out));
    }

    public static boolean compare(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.binary(op, viewOf(a), viewOf(b), viewOf(out)) == CpuKernel.BINARY_COMPARE && SelectKernels.binaryPred(op, viewOf(a), viewOf(b), viewOf(out));
    }

    public static boolean where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.where(viewOf(cond), viewOf(a), viewOf(b), viewOf(out)) == CpuKernel.WHERE_ROWS && SelectKernels.where(viewOf(cond), viewOf(a), viewOf(b), viewOf(out));
    }

    public static boolean reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        boolean take = KernelSelection.reduce(op, viewOf(x), dims, viewOf(out)) == CpuKernel.REDUCE_ROWS;
        if (take) {
            VecRows.reduce(op, viewOf(x), dims, viewOf(out));
        }
        return take;
    }

    public static boolean softmax(Tensor x, Tensor out, boolean log) {
        boolean take = KernelSelection.softmax(viewOf(x), viewOf(out)) == CpuKernel.SOFTMAX_ROWS;
        if (take) {
            VecRows.softmax(viewOf(x), viewOf(out), log);
        }
        return take;
    }

    public static boolean softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        boolean take = KernelSelection.softmaxBackward(viewOf(y), viewOf(gy), viewOf(gx)) == CpuKernel.SOFTMAX_BACKWARD_ROWS;
        if (take) {
            VecRows.softmaxBackward(viewOf(y), viewOf(gy), viewOf(gx), log);
        }
        return take;
    }

    public static boolean layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        boolean take = KernelSelection.layerNorm(viewOf(x), viewOf(weight), viewOf(bias), viewOf(y), viewOf(mean), viewOf(rstd)) == CpuKernel.LAYER_NORM_ROWS;
        if (take) {
            VecRows.layerNorm(viewOf(x), viewOf(weight), viewOf(bias), eps, viewOf(y), viewOf(mean), viewOf(rstd));
        }
        return take;
    }

    public static boolean layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        boolean take = KernelSelection.layerNormBackward(viewOf(x), viewOf(weight), viewOf(mean), viewOf(rstd), viewOf(gy), viewOf(gx), viewOf(gw), viewOf(gb)) == CpuKernel.LAYER_NORM_BACKWARD_ROWS;
        if (take) {
            VecRows.layerNormBackward(viewOf(x), viewOf(weight), viewOf(mean), viewOf(rstd), viewOf(gy), viewOf(gx), viewOf(gw), viewOf(gb));
        }
        return take;
    }

    public static boolean attention(Tensor q, Tensor k, Tensor v, double scale, Tensor out, Tensor lse) {
        boolean take = KernelSelection.attention(viewOf(q), viewOf(k), viewOf(v), viewOf(out), viewOf(lse)) == CpuKernel.ATTENTION_FUSED;
        if (take) {
            VecAttention.attentionForward(viewOf(q), viewOf(k), viewOf(v), scale, viewOf(out), viewOf(lse));
        }
        return take;
    }

    public static boolean attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor gy, double scale, Tensor gq, Tensor gk,
                                     Tensor gv) {
        boolean take = KernelSelection.attentionBackward(viewOf(q), viewOf(k), viewOf(v), viewOf(out), viewOf(lse), viewOf(gy), viewOf(gq), viewOf(gk), viewOf(gv)) == CpuKernel.ATTENTION_BACKWARD_FUSED;
        if (take) {
            VecAttention.attentionBackward(viewOf(q), viewOf(k), viewOf(v), viewOf(out), viewOf(lse), viewOf(gy), scale, viewOf(gq), viewOf(gk), viewOf(gv));
        }
        return take;
    }

    public static boolean adamw(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double b1, double b2, double eps, double wd, long step) {
        boolean take = KernelSelection.adamw(viewOf(param), viewOf(grad), viewOf(m), viewOf(v)) == CpuKernel.ADAMW_VECTOR;
        if (take) {
            OptimizerKernels.adamw(viewOf(param), viewOf(grad), viewOf(m), viewOf(v), lr, b1, b2, eps, wd, step);
        }
        return take;
    }

    public static boolean matmul(Tensor a, Tensor b, Tensor out, double alpha, double beta) {
        return KernelSelection.matmul(viewOf(a), viewOf(b), viewOf(out)) == CpuKernel.MATMUL_GEMM && Gemm.matmul(viewOf(a), viewOf(b), viewOf(out), alpha, beta);
    }

    public static boolean im2col(Tensor x, Conv2dParams p, Tensor cols) {
        boolean take = KernelSelection.im2col(viewOf(x), viewOf(cols)) == CpuKernel.IM2COL_FAST;
        if (take) {
            FastImage.im2col(viewOf(x), p, viewOf(cols));
        }
        return take;
    }

    public static boolean col2im(Tensor cols, Conv2dParams p, Tensor x) {
        boolean take = KernelSelection.col2im(viewOf(cols), viewOf(x)) == CpuKernel.COL2IM_FAST;
        if (take) {
            FastImage.col2im(viewOf(cols), p, viewOf(x));
        }
        return take;
    }

    public static boolean gridSample(Tensor x, Tensor grid, boolean alignCorners, Tensor out) {
        boolean take = KernelSelection.gridSample(viewOf(x), viewOf(grid), viewOf(out)) == CpuKernel.GRID_SAMPLE_FAST;
        if (take) {
            FastImage.gridSample(viewOf(x), viewOf(grid), alignCorners, viewOf(out));
        }
        return take;
    }

    public static boolean gridSampleBackward(Tensor x, Tensor grid, boolean alignCorners, Tensor gy, Tensor gx, Tensor ggrid) {
        boolean take = KernelSelection.gridSampleBackward(viewOf(x), viewOf(grid), viewOf(gy), viewOf(gx), viewOf(ggrid)) == CpuKernel.GRID_SAMPLE_BACKWARD_FAST;
        if (take) {
            FastImage.gridSampleBackward(viewOf(x), viewOf(grid), alignCorners, viewOf(gy), viewOf(gx), viewOf(ggrid));
        }
        return take;
    }

    public static boolean maxPool2d(Tensor x, Pool2dParams p, Tensor out, Tensor argmax) {
        boolean take = KernelSelection.maxPool2d(viewOf(x), viewOf(out), viewOf(argmax)) == CpuKernel.MAX_POOL2D_FAST;
        if (take) {
            FastPool.maxPool(viewOf(x), p, viewOf(out), viewOf(argmax));
        }
        return take;
    }

    public static boolean maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        boolean take = KernelSelection.maxPool2dBackward(viewOf(gy), viewOf(argmax), viewOf(gx)) == CpuKernel.MAX_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.maxPoolBackward(viewOf(gy), viewOf(argmax), viewOf(gx));
        }
        return take;
    }

    public static boolean avgPool2d(Tensor x, Pool2dParams p, Tensor out) {
        boolean take = KernelSelection.avgPool2d(viewOf(x), viewOf(out)) == CpuKernel.AVG_POOL2D_FAST;
        if (take) {
            FastPool.avgPool(viewOf(x), p, viewOf(out));
        }
        return take;
    }

    public static boolean avgPool2dBackward(Tensor gy, Pool2dParams p, Tensor gx) {
        boolean take = KernelSelection.avgPool2dBackward(viewOf(gy), viewOf(gx)) == CpuKernel.AVG_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.avgPoolBackward(viewOf(gy), p, viewOf(gx));
        }
        return take;
    }

    public static boolean adaptiveAvgPool2d(Tensor x, Tensor out) {
        boolean take = KernelSelection.adaptiveAvgPool2d(viewOf(x), viewOf(out)) == CpuKernel.ADAPTIVE_AVG_POOL2D_FAST;
        if (take) {
            FastPool.adaptiveAvgPool(viewOf(x), viewOf(out), null, null);
        }
        return take;
    }

    public static boolean adaptiveAvgPool2dBackward(Tensor gy, Tensor gx) {
        boolean take = KernelSelection.adaptiveAvgPool2dBackward(viewOf(gy), viewOf(gx)) == CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.adaptiveAvgPool(null, null, viewOf(gy), viewOf(gx));
        }
        return take;
    }
}
