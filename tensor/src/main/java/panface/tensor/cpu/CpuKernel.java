package panface.tensor.cpu;

/**
 * Every kernel the CPU backend can run for each of its ops, with the condition under which it
 * runs: the rows of {@code ./panface info --kernels}. The rows of one op are tried in order and the
 * first whose condition holds runs; the last row of an op is its fallback. Where a fast kernel and
 * the reference (the double-precision specification, {@code *Reference} beside the fast kernel) are both
 * rows, {@link KernelSelection} evaluates the conditions before the call ({@link Decided#SELECTION});
 * a few kernels choose between a fast loop and the reference inside one method, and their rows say
 * so ({@link Decided#IN_KERNEL}). "Composite" means the backend reports that it has no kernel for
 * the operands and the op layer composes the result from primitives.
 */
public enum CpuKernel {
    COPY_CONTIGUOUS("copy", "CopyKernels.copy: bulk arraycopy", "same dtype, both contiguous", Decided.IN_KERNEL),
    COPY_STRIDED("copy", "CopyKernels.copy: strided rows", "otherwise (float32/float64 rows, else per-element conversion)", Decided.IN_KERNEL),
    FILL("fill", "CopyKernels.fill", "always (bulk Arrays.fill when contiguous)", Decided.IN_KERNEL),
    RANDOM_FILL("randomFill", "RandomKernels.random", "always (vectorised normal for float32)", Decided.IN_KERNEL),

    UNARY_VECTOR("unary", "VecElementwise.unary", "op has a vector loop (VecUnary.supports); x, out float32 contiguous", Decided.SELECTION),
    UNARY_REFERENCE("unary", "ElementwiseReference.unary", "otherwise", Decided.SELECTION),
    UNARY_BACKWARD_VECTOR("unaryBackward", "VecElementwise.unaryBackward", "op has a vector loop; x, y, gy, gx float32 contiguous",
            Decided.SELECTION),
    UNARY_BACKWARD_REFERENCE("unaryBackward", "ElementwiseReference.unaryBackward", "otherwise", Decided.SELECTION),
    BIAS_ACTIVATION_FUSED("biasActivation", "VecElementwise.biasAct",
            "act has a vector loop; x, bias, out float32 contiguous; bias 1-d, non-empty", Decided.SELECTION),
    BIAS_ACTIVATION_COMPOSITE("biasActivation", "Backend default: binary ADD, then unary", "otherwise", Decided.SELECTION),
    BIAS_ACTIVATION_BACKWARD_FUSED("biasActivationBackward", "VecElementwise.biasActBackward",
            "act has a vector loop; x, bias, gy, gz float32 contiguous; bias 1-d, non-empty (with the bias gradient: gbias float32 "
                    + "contiguous, as long as bias, summed in the same pass)", Decided.SELECTION),
    BIAS_ACTIVATION_BACKWARD_COMPOSITE("biasActivationBackward", "Backend default: binary ADD, unary, unaryBackward", "otherwise",
            Decided.SELECTION),
    BINARY_VECTOR("binary", "VecElementwise.binary",
            "arithmetic op except POW; a, b, out float32; out contiguous, not 0-d; each operand's last stride 0 or 1, or packable "
                    + "(a copy of at most panface.pack.limit bytes); the strides merge into rows (else the reference)",
            Decided.SELECTION),
    BINARY_COMPARE("binary", "SelectKernels.binaryPred",
            "comparison op; a, b float32 of out's shape with last stride 0 or 1; out BOOL contiguous, not 0-d; the strides merge into "
                    + "rows (else the reference)",
            Decided.SELECTION),
    BINARY_INTEGER("binary", "IntegerKernels.binaryInt",
            "ADD, SUB or MUL; a, b, out int64; out contiguous; each operand a single value or contiguous with out's shape",
            Decided.SELECTION),
    BINARY_REFERENCE("binary", "ElementwiseReference.binary", "otherwise", Decided.SELECTION),
    WHERE_ROWS("where", "SelectKernels.where",
            "cond BOOL; a, b, out float32 of one shape, last stride 0 or 1; out contiguous, not 0-d; the strides merge into rows "
                    + "(else the reference)",
            Decided.SELECTION),
    WHERE_REFERENCE("where", "ElementwiseReference.where", "otherwise", Decided.SELECTION),

    REDUCE_ROWS("reduce", "VecRows.reduce", "x, out float32 contiguous; x not 0-d; dims a trailing run (SUM, MAX, MIN) or a leading run (SUM: column sums)", Decided.SELECTION),
    REDUCE_AROUND("reduce", "BatchNormKernels.sumAround",
            "SUM; x, out float32 contiguous; the kept dimensions one run between reduced ones (a broadcast bias's gradient)",
            Decided.SELECTION),
    REDUCE_PACKED("reduce", "CopyKernels.copy, then VecRows.reduce or BatchNormKernels.sumAround",
            "SUM, MAX or MIN; x float32, strided, not empty; the packed copy meets one of the two rows above", Decided.SELECTION),
    REDUCE_REFERENCE("reduce", "RowsReference.reduce", "otherwise", Decided.SELECTION),
    SORT("sort", "SortKernels.sort", "always (values loaded directly when contiguous float32/float64/int64)", Decided.IN_KERNEL),
    TOPK("topk", "SortKernels.topk", "always (quickselect; values loaded as for sort)", Decided.IN_KERNEL),
    SEARCHSORTED("searchsorted", "SortKernels.searchsorted", "always", Decided.IN_KERNEL),

    MATMUL_GEMM("matmul", "Gemm.matmul (OpenBLAS, else JavaGemm for float32)",
            "a, b, out one dtype, float32, or float64 with OpenBLAS loaded; out's last two dims not transposed (else the reference)",
            Decided.SELECTION),
    MATMUL_REFERENCE("matmul", "GemmReference.matmul", "otherwise", Decided.SELECTION),
    PREPACK_WEIGHT("prepackWeight", "Gemm.prepack", "float32 2-d weight (else none: the plain GEMM runs)", Decided.IN_KERNEL),
    LINEAR_PREPACKED("linearPrepacked", "Gemm.linearPrepacked",
            "packed weight; x, out float32 2-d, at least 2 rows; bias, residual float32 contiguous; act has a vector loop", Decided.IN_KERNEL),
    LINEAR_PREPACKED_COMPOSITE("linearPrepacked", "composite (matmul, biasActivation, add)", "otherwise", Decided.IN_KERNEL),

    CHANNEL_AFFINE("channelAffine", "ChannelKernels.affine", "x, scale, shift, out one dtype (float32/float64), contiguous; channels on dim 1",
            Decided.IN_KERNEL),
    CHANNEL_AFFINE_COMPOSITE("channelAffine", "composite (mul, add)", "otherwise", Decided.IN_KERNEL),
    PRELU("prelu", "ChannelKernels.prelu", "x, slope, out one dtype (float32/float64), contiguous; channels on dim 1", Decided.IN_KERNEL),
    PRELU_COMPOSITE("prelu", "composite (where, mul)", "otherwise", Decided.IN_KERNEL),
    PRELU_BACKWARD("preluBackward", "ChannelKernels.preluBackward", "as prelu, gradients included", Decided.IN_KERNEL),
    PRELU_BACKWARD_COMPOSITE("preluBackward", "composite", "otherwise", Decided.IN_KERNEL),
    BATCH_NORM_MOMENTS("batchNormMoments", "BatchNormKernels.moments",
            "x at least 2-d; x, mean, var one dtype (float32/float64), contiguous; one mean per channel", Decided.IN_KERNEL),
    BATCH_NORM_MOMENTS_COMPOSITE("batchNormMoments", "composite (mean, var reductions)", "otherwise", Decided.IN_KERNEL),
    BATCH_NORM_BACKWARD("batchNormBackward", "BatchNormKernels.backward",
            "x at least 2-d; every operand one dtype (float32/float64), contiguous", Decided.IN_KERNEL),
    BATCH_NORM_BACKWARD_COMPOSITE("batchNormBackward", "composite", "otherwise", Decided.IN_KERNEL),

    SOFTMAX_ROWS("softmax", "VecRows.softmax", "x, out float32 contiguous; x not 0-d", Decided.SELECTION),
    SOFTMAX_REFERENCE("softmax", "RowsReference.softmax", "otherwise", Decided.SELECTION),
    SOFTMAX_BACKWARD_ROWS("softmaxBackward", "VecRows.softmaxBackward", "y, gy, gx float32 contiguous; y not 0-d", Decided.SELECTION),
    SOFTMAX_BACKWARD_REFERENCE("softmaxBackward", "RowsReference.softmaxBackward", "otherwise", Decided.SELECTION),
    LAYER_NORM_ROWS("layerNorm", "VecRows.layerNorm", "x, weight, bias, y, mean, rstd float32 contiguous (weight, bias may be absent)",
            Decided.SELECTION),
    LAYER_NORM_REFERENCE("layerNorm", "RowsReference.layerNorm", "otherwise", Decided.SELECTION),
    LAYER_NORM_BACKWARD_ROWS("layerNormBackward", "VecRows.layerNormBackward", "every present operand float32 contiguous", Decided.SELECTION),
    LAYER_NORM_BACKWARD_REFERENCE("layerNormBackward", "RowsReference.layerNormBackward", "otherwise", Decided.SELECTION),
    ATTENTION_FUSED("attention", "VecAttention.attentionForward",
            "q, k, v, out float32 with unit last stride and rows not overlapping (views into a fused qkv buffer fit); lse float32 "
                    + "contiguous",
            Decided.SELECTION),
    ATTENTION_REFERENCE("attention", "AttentionReference.attentionForward", "otherwise", Decided.SELECTION),
    ATTENTION_BACKWARD_FUSED("attentionBackward", "VecAttention.attentionBackward", "as attention, for gy, gq, gk, gv too", Decided.SELECTION),
    ATTENTION_BACKWARD_REFERENCE("attentionBackward", "AttentionReference.attentionBackward", "otherwise", Decided.SELECTION),

    SGD_FUSED("sgd", "OptimizerKernels.sgd", "param, grad, buf one dtype (float32/float64), contiguous, equal sizes", Decided.IN_KERNEL),
    SGD_COMPOSITE("sgd", "composite (mul, add)", "otherwise", Decided.IN_KERNEL),
    ADAMW_VECTOR("adamw", "OptimizerKernels.adamw", "param, grad, m, v float32 contiguous", Decided.SELECTION),
    ADAMW_REFERENCE("adamw", "OptimReference.adamw", "otherwise", Decided.SELECTION),

    INDEX_SELECT_ROWS("indexSelect", "IndexKernels.indexSelect: row copies", "x float32; x, out contiguous", Decided.IN_KERNEL),
    INDEX_SELECT_REFERENCE("indexSelect", "IndexKernels.indexSelect: double reference", "otherwise", Decided.IN_KERNEL),
    INDEX_ADD_ROWS("indexAdd", "IndexKernels.indexAdd: row adds", "out, src float32 contiguous; dim the outermost", Decided.IN_KERNEL),
    INDEX_ADD_REFERENCE("indexAdd", "IndexKernels.indexAdd: double reference", "otherwise", Decided.IN_KERNEL),
    GATHER_DIRECT("gather", "IndexKernels.gather: float32 loop", "x, out float32 contiguous", Decided.IN_KERNEL),
    GATHER_REFERENCE("gather", "IndexKernels.gather: double reference", "otherwise", Decided.IN_KERNEL),
    SCATTER_ADD_DIRECT("scatterAdd", "IndexKernels.scatterAdd: float32 loop", "out, src float32 contiguous", Decided.IN_KERNEL),
    SCATTER_ADD_REFERENCE("scatterAdd", "IndexKernels.scatterAdd: double reference", "otherwise", Decided.IN_KERNEL),

    IM2COL_FAST("im2col", "FastImage.im2col", "x, cols float32 contiguous", Decided.SELECTION),
    IM2COL_REFERENCE("im2col", "ImageReference.im2col", "otherwise", Decided.SELECTION),
    COL2IM_FAST("col2im", "FastImage.col2im", "cols, x float32 contiguous", Decided.SELECTION),
    COL2IM_REFERENCE("col2im", "ImageReference.col2im", "otherwise", Decided.SELECTION),
    CONV2D("conv2d", "ConvKernels.forward (direct, Winograd or tiled GEMM by shape)",
            "panface.conv.kernels on; x, w, out float32 contiguous; epilogue vectors 1-d, residual float32 contiguous of out's shape",
            Decided.IN_KERNEL),
    CONV2D_COMPOSITE("conv2d", "composite (im2col, matmul)", "otherwise", Decided.IN_KERNEL),
    PREPARE_CONV("prepareConv", "ConvPrepared.of (packed GEMM and Winograd forms, each made on first use)",
            "float32 4-d weight, OpenBLAS's packed kernels available (else none: conv2d runs)", Decided.IN_KERNEL),
    CONV2D_PREPARED("conv2dPrepared", "ConvKernels.forwardPrepared (direct, Winograd or packed GEMM by shape)",
            "panface.conv.kernels on; a weight from prepareConv; x, out float32 contiguous; epilogue as for conv2d", Decided.IN_KERNEL),
    CONV2D_PREPARED_COMPOSITE("conv2dPrepared", "conv2d with the prepared copy of the weight", "otherwise", Decided.IN_KERNEL),
    CONV2D_BACKWARD_INPUT("conv2dBackwardInput",
            "ConvKernels.backwardInput (direct, Winograd for 3x3 stride-1 padding-1 shapes where it pays off, or tiled GEMM)",
            "panface.conv.kernels on; gy, w, gx float32 contiguous", Decided.IN_KERNEL),
    CONV2D_BACKWARD_INPUT_COMPOSITE("conv2dBackwardInput", "composite (matmul, col2im)", "otherwise", Decided.IN_KERNEL),
    CONV2D_BACKWARD_WEIGHT("conv2dBackwardWeight",
            "ConvKernels.backwardWeight (direct, Winograd for 3x3 stride-1 shapes from 7x7 outputs (ConvWinogradWeight), or tiled GEMM)",
            "panface.conv.kernels on; gy, x, gw float32 contiguous", Decided.IN_KERNEL),
    CONV2D_BACKWARD_WEIGHT_COMPOSITE("conv2dBackwardWeight", "composite (im2col, matmul)", "otherwise", Decided.IN_KERNEL),
    MAX_POOL2D_FAST("maxPool2d", "FastPool.maxPool", "x, out float32, argmax I64, all contiguous", Decided.SELECTION),
    MAX_POOL2D("maxPool2d", "ImageReference.maxPool (reference)", "otherwise", Decided.SELECTION),
    MAX_POOL2D_BACKWARD_FAST("maxPool2dBackward", "FastPool.maxPoolBackward", "gy, gx float32, argmax I64, all contiguous",
            Decided.SELECTION),
    MAX_POOL2D_BACKWARD("maxPool2dBackward", "ImageReference.maxPoolBackward (reference)", "otherwise", Decided.SELECTION),
    AVG_POOL2D_FAST("avgPool2d", "FastPool.avgPool", "x, out float32 contiguous", Decided.SELECTION),
    AVG_POOL2D("avgPool2d", "ImageReference.avgPool (reference)", "otherwise", Decided.SELECTION),
    AVG_POOL2D_BACKWARD_FAST("avgPool2dBackward", "FastPool.avgPoolBackward", "gy, gx float32 contiguous", Decided.SELECTION),
    AVG_POOL2D_BACKWARD("avgPool2dBackward", "ImageReference.avgPoolBackward (reference)", "otherwise", Decided.SELECTION),
    ADAPTIVE_AVG_POOL2D_FAST("adaptiveAvgPool2d", "FastPool.adaptiveAvgPool", "x, out float32 contiguous", Decided.SELECTION),
    ADAPTIVE_AVG_POOL2D("adaptiveAvgPool2d", "ImageReference.adaptiveAvgPool (reference)", "otherwise", Decided.SELECTION),
    ADAPTIVE_AVG_POOL2D_BACKWARD_FAST("adaptiveAvgPool2dBackward", "FastPool.adaptiveAvgPool", "gy, gx float32 contiguous",
            Decided.SELECTION),
    ADAPTIVE_AVG_POOL2D_BACKWARD("adaptiveAvgPool2dBackward", "ImageReference.adaptiveAvgPool (reference)", "otherwise", Decided.SELECTION),
    GRID_SAMPLE_FAST("gridSample", "FastImage.gridSample", "x, grid, out float32 contiguous", Decided.SELECTION),
    GRID_SAMPLE("gridSample", "ImageReference.gridSample (reference)", "otherwise", Decided.SELECTION),
    GRID_SAMPLE_BACKWARD_FAST("gridSampleBackward", "FastImage.gridSampleBackward", "x, grid, gy and the gradients asked for float32 contiguous",
            Decided.SELECTION),
    GRID_SAMPLE_BACKWARD("gridSampleBackward", "ImageReference.gridSample (reference)", "otherwise", Decided.SELECTION);

    /** Where the condition of a row is evaluated. */
    public enum Decided {
        /** By {@link KernelSelection}, before any kernel runs. */
        SELECTION,
        /** Inside the kernel (one method holding a fast loop and the reference, or a kernel that may decline). */
        IN_KERNEL
    }

    private final String op;
    private final String kernel;
    private final String condition;
    private final Decided decided;

    CpuKernel(String op, String kernel, String condition, Decided decided) {
        this.op = op;
        this.kernel = kernel;
        this.condition = condition;
        this.decided = decided;
    }

    /** The backend method this row belongs to. */
    public String op() {
        return op;
    }

    /** The class and method that run. */
    public String kernel() {
        return kernel;
    }

    /** When it runs (rows of one op are tried in order; "otherwise" is the fallback). */
    public String condition() {
        return condition;
    }

    /** Where the condition is evaluated. */
    public Decided decided() {
        return decided;
    }
}
