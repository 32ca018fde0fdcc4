package panface.tensor.cpu;

import java.util.ArrayList;
import java.util.List;
import panface.tensor.DType;
import panface.tensor.View;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;
import panface.tensor.cpu.elementwise.IntegerKernels;
import panface.tensor.cpu.elementwise.SelectKernels;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.elementwise.VecUnary;
import panface.tensor.cpu.gemm.Gemm;
import panface.tensor.cpu.image.FastImage;
import panface.tensor.cpu.image.FastPool;

/**
 * The one place that decides which CPU kernel runs: each method evaluates the conditions that
 * {@link CpuKernel} states for one op, in the table's order, and returns the row that applies.
 * The fast kernels behind a {@link CpuKernel.Decided#SELECTION} row no longer check their operands
 * themselves; a few (binary rows, where, reduce, matmul) still decline, by returning false, when
 * strides do not merge into rows, and their row says that the reference then runs.
 */
public final class KernelSelection {
    private KernelSelection() {
    }

    /** Every row of the table, in order. */
    public static List<CpuKernel> table() {
        return List.of(CpuKernel.values());
    }

    /** The table as aligned text lines: op, kernel, where it is decided, condition. */
    public static List<String> describe() {
        int opWidth = 0;
        int kernelWidth = 0;
        for (CpuKernel k : CpuKernel.values()) {
            opWidth = Math.max(opWidth, k.op().length());
            kernelWidth = Math.max(kernelWidth, k.kernel().length());
        }
        List<String> lines = new ArrayList<>();
        String format = "%-" + opWidth + "s  %-" + kernelWidth + "s  %-9s  %s";
        lines.add(String.format(format, "op", "kernel", "decided", "condition"));
        for (CpuKernel k : CpuKernel.values()) {
            String where = k.decided() == CpuKernel.Decided.SELECTION ? "selection" : "in kernel";
            lines.add(String.format(format, k.op(), k.kernel(), where, k.condition()));
        }
        return lines;
    }

    static boolean f32Contiguous(View... ts) {
        return VecElementwise.f32Contiguous(ts);
    }

    static CpuKernel unary(UnaryOp op, View x, View out) {
        return VecUnary.supports(op) && f32Contiguous(x, out) ? CpuKernel.UNARY_VECTOR : CpuKernel.UNARY_REFERENCE;
    }

    static CpuKernel unaryBackward(UnaryOp op, View x, View y, View gy, View gx) {
        return VecUnary.supports(op) && f32Contiguous(x, y, gy, gx) ? CpuKernel.UNARY_BACKWARD_VECTOR : CpuKernel.UNARY_BACKWARD_REFERENCE;
    }

    static CpuKernel biasActivation(UnaryOp act, View x, View bias, View out) {
        return VecUnary.supports(act) && f32Contiguous(x, bias, out) && bias.dim() == 1 && bias.numel() > 0
                ? CpuKernel.BIAS_ACTIVATION_FUSED : CpuKernel.BIAS_ACTIVATION_COMPOSITE;
    }

    static CpuKernel biasActivationBackward(UnaryOp act, View x, View bias, View gy, View gz) {
        return VecUnary.supports(act) && f32Contiguous(x, bias, gy, gz) && bias.dim() == 1 && bias.numel() > 0
                ? CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED : CpuKernel.BIAS_ACTIVATION_BACKWARD_COMPOSITE;
    }

    /**
     * The backward that also writes the bias gradient: fused (summed in the same pass) when the
     * backward is and gbias is float32 contiguous with one element per bias element; otherwise
     * the composite, which leaves the bias gradient to a separate column sum.
     */
    static CpuKernel biasActivationBackward(UnaryOp act, View x, View bias, View gy, View gz, View gbias) {
        return biasActivationBackward(act, x, bias, gy, gz) == CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED && f32Contiguous(gbias)
                && gbias.numel() == bias.numel() ? CpuKernel.BIAS_ACTIVATION_BACKWARD_FUSED : CpuKernel.BIAS_ACTIVATION_BACKWARD_COMPOSITE;
    }

    static CpuKernel binary(BinaryOp op, View a, View b, View out) {
        DType da = a.dtype();
        DType db = b.dtype();
        DType dout = out.dtype();
        if (op.hasVectorForm() && da == DType.F32 && db == DType.F32 && dout == DType.F32 && out.isContiguous()
                && out.dim() > 0) {
            return CpuKernel.BINARY_VECTOR;
        }
        if (op.isComparison() && da == DType.F32
                && db == DType.F32 && dout == DType.BOOL && SelectKernels.rowsApply(out, a, b)) {
            return CpuKernel.BINARY_COMPARE;
        }
        if ((op == BinaryOp.ADD || op == BinaryOp.SUB || op == BinaryOp.MUL) && da == DType.I64 && db == DType.I64 && dout == DType.I64
                && out.isContiguous() && IntegerKernels.operand(a, out) && IntegerKernels.operand(b, out)) {
            return CpuKernel.BINARY_INTEGER;
        }
        return CpuKernel.BINARY_REFERENCE;
    }

    static CpuKernel where(View cond, View a, View b, View out) {
        return cond.dtype() == DType.BOOL && a.dtype() == DType.F32 && b.dtype() == DType.F32 && out.dtype() == DType.F32
                && SelectKernels.rowsApply(out, cond, a, b) ? CpuKernel.WHERE_ROWS : CpuKernel.WHERE_REFERENCE;
    }

    /** SUM, MAX or MIN: the reductions the float32 kernels implement. */
    static boolean vectorReduction(ReduceOp op) {
        return op == ReduceOp.SUM || op == ReduceOp.MAX || op == ReduceOp.MIN;
    }

    /**
     * The first applicable reduce row for contiguous operands, or the packed row for a strided
     * float32 x (its copy then meets the contiguous rows or the reference runs).
     */
    static CpuKernel reduce(ReduceOp op, View x, int[] dims, View out) {
        if (!vectorReduction(op) || x.dtype() != DType.F32) {
            return CpuKernel.REDUCE_REFERENCE;
        }
        if (!x.isContiguous()) {
            return x.numel() > 0 ? CpuKernel.REDUCE_PACKED : CpuKernel.REDUCE_REFERENCE;
        }
        return contiguousReduce(op, x, dims, out);
    }

    /** The row for a contiguous float32 x: trailing dims, one kept run, or the reference. */
    static CpuKernel contiguousReduce(ReduceOp op, View x, int[] dims, View out) {
        if (!f32Contiguous(x, out) || dims.length == 0) {
            return CpuKernel.REDUCE_REFERENCE;
        }
        int r = x.dim();
        if (r > 0 && dims[dims.length - 1] == r - 1 && dims[0] == r - dims.length) {
            return CpuKernel.REDUCE_ROWS;
        }
        if (r > 0 && op == ReduceOp.SUM && dims[0] == 0 && dims[dims.length - 1] == dims.length - 1) {
            return CpuKernel.REDUCE_ROWS;
        }
        return op == ReduceOp.SUM && dims.length < r && keptRun(dims, r) ? CpuKernel.REDUCE_AROUND : CpuKernel.REDUCE_REFERENCE;
    }

    /**
     * Whether the dimensions not in dims form one run [k0, k1) with every dimension before it
     * reduced and every one after it reduced (dims sorted, as the op layer passes them).
     */
    static boolean keptRun(int[] dims, int r) {
        int lead = 0;
        while (lead < dims.length && dims[lead] == lead) {
            lead++;
        }
        int k1 = lead == dims.length ? r : dims[lead];
        for (int i = lead; i < dims.length; i++) {
            if (dims[i] != k1 + (i - lead)) {
                return false;
            }
        }
        return lead == dims.length || dims[dims.length - 1] == r - 1;
    }

    static CpuKernel matmul(View a, View b, View out) {
        DType t = out.dtype();
        boolean dtypes = a.dtype() == t && b.dtype() == t && (t == DType.F32 || (t == DType.F64 && Gemm.hasBlas()));
        return dtypes ? CpuKernel.MATMUL_GEMM : CpuKernel.MATMUL_REFERENCE;
    }

    static CpuKernel softmax(View x, View out) {
        return f32Contiguous(x, out) && x.dim() > 0 ? CpuKernel.SOFTMAX_ROWS : CpuKernel.SOFTMAX_REFERENCE;
    }

    static CpuKernel softmaxBackward(View y, View gy, View gx) {
        return f32Contiguous(y, gy, gx) && y.dim() > 0 ? CpuKernel.SOFTMAX_BACKWARD_ROWS : CpuKernel.SOFTMAX_BACKWARD_REFERENCE;
    }

    static CpuKernel layerNorm(View x, View weight, View bias, View y, View mean, View rstd) {
        return f32Contiguous(x, weight, bias, y, mean, rstd) ? CpuKernel.LAYER_NORM_ROWS : CpuKernel.LAYER_NORM_REFERENCE;
    }

    static CpuKernel layerNormBackward(View x, View weight, View mean, View rstd, View gy, View gx, View gw, View gb) {
        return f32Contiguous(x, weight, mean, rstd, gy, gx, gw, gb) ? CpuKernel.LAYER_NORM_BACKWARD_ROWS
                : CpuKernel.LAYER_NORM_BACKWARD_REFERENCE;
    }

    /** float32 with a unit last stride and rows that do not overlap: what the fused attention kernels read. */
    private static boolean attentionRows(View... ts) {
        for (View t : ts) {
            if (t.dtype() != DType.F32 || t.stride(-1) != 1 || t.stride(-2) < t.size(-1)) {
                return false;
            }
        }
        return true;
    }

    static CpuKernel attention(View q, View k, View v, View out, View lse) {
        return attentionRows(q, k, v, out) && f32Contiguous(lse) ? CpuKernel.ATTENTION_FUSED : CpuKernel.ATTENTION_REFERENCE;
    }

    static CpuKernel attentionBackward(View q, View k, View v, View out, View lse, View gy, View gq, View gk, View gv) {
        return attentionRows(q, k, v, out, gy, gq, gk, gv) && f32Contiguous(lse) ? CpuKernel.ATTENTION_BACKWARD_FUSED
                : CpuKernel.ATTENTION_BACKWARD_REFERENCE;
    }

    static CpuKernel adamw(View param, View grad, View m, View v) {
        return f32Contiguous(param, grad, m, v) ? CpuKernel.ADAMW_VECTOR : CpuKernel.ADAMW_REFERENCE;
    }

    static CpuKernel maxPool2d(View x, View out, View argmax) {
        return FastPool.fits(x, out, argmax) ? CpuKernel.MAX_POOL2D_FAST : CpuKernel.MAX_POOL2D;
    }

    static CpuKernel maxPool2dBackward(View gy, View argmax, View gx) {
        return FastPool.fits(gy, gx, argmax) ? CpuKernel.MAX_POOL2D_BACKWARD_FAST : CpuKernel.MAX_POOL2D_BACKWARD;
    }

    static CpuKernel avgPool2d(View x, View out) {
        return FastPool.fits(x, out, null) ? CpuKernel.AVG_POOL2D_FAST : CpuKernel.AVG_POOL2D;
    }

    static CpuKernel avgPool2dBackward(View gy, View gx) {
        return FastPool.fits(gy, gx, null) ? CpuKernel.AVG_POOL2D_BACKWARD_FAST : CpuKernel.AVG_POOL2D_BACKWARD;
    }

    static CpuKernel adaptiveAvgPool2d(View x, View out) {
        return FastPool.fits(x, out, null) ? CpuKernel.ADAPTIVE_AVG_POOL2D_FAST : CpuKernel.ADAPTIVE_AVG_POOL2D;
    }

    static CpuKernel adaptiveAvgPool2dBackward(View gy, View gx) {
        return FastPool.fits(gy, gx, null) ? CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD_FAST : CpuKernel.ADAPTIVE_AVG_POOL2D_BACKWARD;
    }

    static CpuKernel gridSample(View x, View grid, View out) {
        return FastImage.fitsGridSample(x, grid, out) ? CpuKernel.GRID_SAMPLE_FAST : CpuKernel.GRID_SAMPLE;
    }

    static CpuKernel gridSampleBackward(View x, View grid, View gy, View gx, View ggrid) {
        return FastImage.fitsGridSample(x, grid, gy, gx, ggrid) ? CpuKernel.GRID_SAMPLE_BACKWARD_FAST : CpuKernel.GRID_SAMPLE_BACKWARD;
    }

    static CpuKernel im2col(View x, View cols) {
        return FastImage.fits(x, cols) ? CpuKernel.IM2COL_FAST : CpuKernel.IM2COL_REFERENCE;
    }

    static CpuKernel col2im(View cols, View x) {
        return FastImage.fits(x, cols) ? CpuKernel.COL2IM_FAST : CpuKernel.COL2IM_REFERENCE;
    }
}
