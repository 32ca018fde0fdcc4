package panface.tensor.cuda;

import panface.tensor.backend.BinaryOp;

/**
 * The CUDA half of the binary ops, written from their descriptions ({@link BinaryOp#cudaCode},
 * {@link BinaryOp#cudaIntegerCode}) as the header {@value #HEADER} that elementwise.cu includes:
 * the op-code enum in the order of {@link BinaryOp} (the kernels receive {@code op.ordinal()}), and
 * the {@code binary_op} (floating point, in the compute type) and {@code binary_op_int} (exact, on
 * {@code i64}) switches. {@link CudaKernels} hands it to the compiler beside common.cuh, so no
 * kernel source spells a binary formula.
 */
final class CudaBinaryOps {
    /** The name elementwise.cu includes. */
    static final String HEADER = "binary_ops.cuh";
    /** The op code of an op: a prefix keeps the binary names apart from the unary ops' and the reductions' (MAX, MIN, POW). */
    static final String PREFIX = "B_";

    private CudaBinaryOps() {
    }

    /** The text of the header. */
    static String header() {
        StringBuilder sb = new StringBuilder();
        sb.append("// Written from panface.tensor.backend.BinaryOp by CudaBinaryOps when the kernels are compiled.\n");
        CudaUnaryOps.appendEnum(sb, BinaryOp.values(), PREFIX);
        StringBuilder cases = new StringBuilder();
        for (BinaryOp op : BinaryOp.values()) {
            CudaUnaryOps.appendCase(cases, PREFIX + op.name(), op.cudaCode());
        }
        sb.append("template <typename C> __device__ C binary_op(int op, C x, C y) {\n    switch (op) {\n").append(cases)
                .append("    }\n    return m_nan<C>();\n}\n\n");
        cases.setLength(0);
        for (BinaryOp op : BinaryOp.values()) {
            CudaUnaryOps.appendCase(cases, PREFIX + op.name(), op.cudaIntegerCode());
        }
        sb.append("// Integers, exactly; err and pos serve report_error (common.cuh).\n");
        sb.append("__device__ i64 binary_op_int(int op, i64 x, i64 y, int* err, i64 pos) {\n    switch (op) {\n").append(cases)
                .append("    }\n    return 0;\n}\n");
        return sb.toString();
    }
}
