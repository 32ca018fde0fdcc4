package panface.tensor.cpu;

import panface.tensor.Tensor;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.backend.Pool2dParams;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;

/**
 * Runs one fast kernel as {@link CpuBackend} does: only where {@link KernelSelection} chooses it.
 * Each method returns whether the fast kernel ran, so the differential tests can assert that it
 * took the operands they meant for it (and declined the others).
 */
final class Chosen {
    private Chosen() {
    }

    static boolean unary(UnaryOp op, Tensor x, Tensor out, double a, double b) {
        boolean take = KernelSelection.unary(op, x, out) == CpuKernel.UNARY_VECTOR;
        if (take) {
            VecElementwise.unary(op, x, out, a, b);
        }
        return take;
    }

    static boolean unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, double a, double b) {
        boolean take = KernelSelection.unaryBackward(op, x, y, gy, gx) == CpuKernel.UNARY_BACKWARD_VECTOR;
        if (take) {
            VecElementwise.unaryBackward(op, x, y, gy, gx, a, b);
        }
        return take;
    }

    static boolean biasActivation(UnaryOp op, Tensor x, Tensor bias, Tensor out, double a, double b) {
        boolean take = KernelSelection.biasActivation(op, x, bias, out) == CpuKernel.BIAS_ACTIVATION_FUSED;
        if (take) {
            VecElementwise.biasActivation(op, x, bias, out, a, b);
        }
        return take;
    }

    static boolean biasActivationBackward(UnaryOp op, Tensor x, Tensor bias, Tensor gy, Tensor gz, double a, double b) {
        boolean take = KernelSelection.biasActivationBackward(op, x, bias, gy, gz) == CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED;
        if (take) {
            VecElementwise.biasActivationBackward(op, x, bias, gy, gz, a, b);
        }
        return take;
    }

    static boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.binary(op, a, b, out) == CpuKernel.BINARY_VECTOR && VecElementwise.binary(op, a, b, out);
    }

    static boolean compare(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.binary(op, a, b, out) == CpuKernel.BINARY_COMPARE && SelectKernels.compare(op, a, b, out);
    }

    static boolean where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        return KernelSelection.where(cond, a, b, out) == CpuKernel.WHERE_ROWS && SelectKernels.where(cond, a, b, out);
    }

    static boolean reduce(ReduceOp op, Tensor x, int[] dims, Tensor out) {
        boolean take = KernelSelection.reduce(op, x, dims, out) == CpuKernel.REDUCE_ROWS;
        if (take) {
            VecRows.reduce(op, x, dims, out);
        }
        return take;
    }

    static boolean softmax(Tensor x, Tensor out, boolean log) {
        boolean take = KernelSelection.softmax(x, out) == CpuKernel.SOFTMAX_ROWS;
        if (take) {
            VecRows.softmax(x, out, log);
        }
        return take;
    }

    static boolean softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        boolean take = KernelSelection.softmaxBackward(y, gy, gx) == CpuKernel.SOFTMAX_BACKWARD_ROWS;
        if (take) {
            VecRows.softmaxBackward(y, gy, gx, log);
        }
        return take;
    }

    static boolean layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        boolean take = KernelSelection.layerNorm(x, weight, bias, y, mean, rstd) == CpuKernel.LAYER_NORM_ROWS;
        if (take) {
            VecRows.layerNorm(x, weight, bias, eps, y, mean, rstd);
        }
        return take;
    }

    static boolean layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        boolean take = KernelSelection.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb) == CpuKernel.LAYER_NORM_BACKWARD_ROWS;
        if (take) {
            VecRows.layerNormBackward(x, weight, mean, rstd, gy, gx, gw, gb);
        }
        return take;
    }

    static boolean attention(Tensor q, Tensor k, Tensor v, double scale, Tensor out, Tensor lse) {
        boolean take = KernelSelection.attention(q, k, v, out, lse) == CpuKernel.ATTENTION_FUSED;
        if (take) {
            VecAttention.forward(q, k, v, scale, out, lse);
        }
        return take;
    }

    static boolean attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor gy, double scale, Tensor gq, Tensor gk,
                                     Tensor gv) {
        boolean take = KernelSelection.attentionBackward(q, k, v, out, lse, gy, gq, gk, gv) == CpuKernel.ATTENTION_BACKWARD_FUSED;
        if (take) {
            VecAttention.backward(q, k, v, out, lse, gy, scale, gq, gk, gv);
        }
        return take;
    }

    static boolean adamw(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double b1, double b2, double eps, double wd, long step) {
        boolean take = KernelSelection.adamw(param, grad, m, v) == CpuKernel.ADAMW_VECTOR;
        if (take) {
            OptimizerKernels.adamwF32(param, grad, m, v, lr, b1, b2, eps, wd, step);
        }
        return take;
    }

    static boolean matmul(Tensor a, Tensor b, Tensor out, double alpha, double beta) {
        return KernelSelection.matmul(a, b, out) == CpuKernel.MATMUL_GEMM && Gemm.matmul(a, b, out, alpha, beta);
    }

    static boolean im2col(Tensor x, Conv2dParams p, Tensor cols) {
        boolean take = KernelSelection.im2col(x, cols) == CpuKernel.IM2COL_FAST;
        if (take) {
            FastImage.im2col(x, p, cols);
        }
        return take;
    }

    static boolean col2im(Tensor cols, Conv2dParams p, Tensor x) {
        boolean take = KernelSelection.col2im(cols, x) == CpuKernel.COL2IM_FAST;
        if (take) {
            FastImage.col2im(cols, p, x);
        }
        return take;
    }

    static boolean gridSample(Tensor x, Tensor grid, boolean alignCorners, Tensor out) {
        boolean take = KernelSelection.gridSample(x, grid, out) == CpuKernel.GRID_SAMPLE_FAST;
        if (take) {
            FastImage.gridSample(x, grid, alignCorners, out);
        }
        return take;
    }

    static boolean gridSampleBackward(Tensor x, Tensor grid, boolean alignCorners, Tensor gy, Tensor gx, Tensor ggrid) {
        boolean take = KernelSelection.gridSampleBackward(x, grid, gy, gx, ggrid) == CpuKernel.GRID_SAMPLE_BACKWARD_FAST;
        if (take) {
            FastImage.gridSampleBackward(x, grid, alignCorners, gy, gx, ggrid);
        }
        return take;
    }

    static boolean maxPool2d(Tensor x, Pool2dParams p, Tensor out, Tensor argmax) {
        boolean take = KernelSelection.maxPool2d(x, out, argmax) == CpuKernel.MAX_POOL2D_FAST;
        if (take) {
            FastPool.maxPool2d(x, p, out, argmax);
        }
        return take;
    }

    static boolean maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        boolean take = KernelSelection.maxPool2dBackward(gy, argmax, gx) == CpuKernel.MAX_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.maxPool2dBackward(gy, argmax, gx);
        }
        return take;
    }

    static boolean avgPool2d(Tensor x, Pool2dParams p, Tensor out) {
        boolean take = KernelSelection.avgPool2d(x, out) == CpuKernel.AVG_POOL2D_FAST;
        if (take) {
            FastPool.avgPool2d(x, p, out);
        }
        return take;
    }

    static boolean avgPool2dBackward(Tensor gy, Pool2dParams p, Tensor gx) {
        boolean take = KernelSelection.avgPool2dBackward(gy, gx) == CpuKernel.AVG_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.avgPool2dBackward(gy, p, gx);
        }
        return take;
    }

    static boolean adaptiveAvgPool2d(Tensor x, Tensor out) {
        boolean take = KernelSelection.adaptiveAvgPool2d(x, out) == CpuKernel.ADAPTIVE_AVG_POOL2D_FAST;
        if (take) {
            FastPool.adaptiveAvgPool2d(x, out, null, null);
        }
        return take;
    }

    static boolean adaptiveAvgPool2dBackward(Tensor gy, Tensor gx) {
        boolean take = KernelSelection.adaptiveAvgPool2dBackward(gy, gx) == CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD_FAST;
        if (take) {
            FastPool.adaptiveAvgPool2d(null, null, gy, gx);
        }
        return take;
    }
}
