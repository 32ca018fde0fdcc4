package panface.tensor.cuda;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import panface.tensor.backend.UnaryOp;

/**
 * The CUDA half of the unary ops, written from their descriptions ({@link UnaryOp#cudaForward},
 * {@link UnaryOp#cudaDerivative}) as the header {@value #HEADER} that elementwise.cu includes: the
 * op-code enum in the order of {@link UnaryOp} (the kernels receive {@code op.ordinal()}), and the
 * {@code unary_op} and {@code unary_derivative} switches. {@link CudaKernels} hands it to the
 * compiler beside common.cuh, so no kernel source spells a unary formula.
 */
final class CudaUnaryOps {
    /** The name elementwise.cu includes. */
    static final String HEADER = "unary_ops.cuh";
    /** The op code of an op: a prefix keeps the unary names apart from the binary ops' (POW is both). */
    static final String PREFIX = "U_";

    /** The named constants an op's code may use, declared in a switch's function when its code does. */
    private static final Map<String, String> CONSTANTS = constants();

    private CudaUnaryOps() {
    }

    private static Map<String, String> constants() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("SQRT1_2", "0.70710678118654752440");
        c.put("SQRT_2_OVER_PI", "0.79788456080286535588");
        c.put("INV_SQRT_2PI", "0.39894228040143267794");
        c.put("TWO_OVER_SQRT_PI", "1.12837916709551257390");
        return c;
    }

    /** The text of the header. */
    static String header() {
        StringBuilder sb = new StringBuilder();
        sb.append("// Written from panface.tensor.backend.UnaryOp by CudaUnaryOps when the kernels are compiled.\n");
        appendEnum(sb, UnaryOp.values(), PREFIX);
        function(sb, "template <typename C> __device__ C unary_op(int op, C x, C a, C b)", false);
        sb.append('\n');
        function(sb, "template <typename C> __device__ C unary_derivative(int op, C x, C y, C a, C b)", true);
        return sb.toString();
    }

    /**
     * The C enum of op codes, in the ops' order (the code of an op is its ordinal), eight to a
     * line, each name after prefix. Shared with {@link CudaBinaryOps}.
     */
    static void appendEnum(StringBuilder sb, Enum<?>[] ops, String prefix) {
        sb.append("enum {");
        for (Enum<?> op : ops) {
            sb.append(op.ordinal() == 0 ? "" : ",").append(op.ordinal() % 8 == 0 ? "\n    " : " ").append(prefix).append(op.name());
        }
        sb.append("\n};\n\n");
    }

    /**
     * One case of a switch: {@code case label: return code;} for an expression, the statements in
     * a block where the code returns by itself. Shared with {@link CudaBinaryOps}.
     */
    static void appendCase(StringBuilder cases, String label, String code) {
        String c = code.strip();
        cases.append("        case ").append(label).append(": ");
        if (c.contains("return")) {
            cases.append("{\n");
            for (String line : c.split("\n")) {
                cases.append("            ").append(line.strip()).append('\n');
            }
            cases.append("        }\n");
        } else {
            cases.append("return ").append(c).append(";\n");
        }
    }

    private static void function(StringBuilder sb, String signature, boolean derivative) {
        StringBuilder cases = new StringBuilder();
        for (UnaryOp op : UnaryOp.values()) {
            appendCase(cases, PREFIX + op.name(), derivative ? op.cudaDerivative() : op.cudaForward());
        }
        sb.append(signature).append(" {\n");
        for (Map.Entry<String, String> c : CONSTANTS.entrySet()) {
            if (Pattern.compile("\\b" + c.getKey() + "\\b").matcher(cases).find()) {
                sb.append("    const C ").append(c.getKey()).append(" = (C)").append(c.getValue()).append(";\n");
            }
        }
        sb.append("    switch (op) {\n").append(cases).append("    }\n    return m_nan<C>();\n}\n");
    }
}
