package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;

/**
 * The CUDA kernels receive an op as the Java enum's ordinal ({@code op.ordinal()} in
 * {@link CudaBackend}) and switch on an anonymous C enum: spelled out by hand in the .cu source for
 * the distributions and the reductions, written from {@link UnaryOp} and {@link BinaryOp} for the
 * unary and binary ops ({@link CudaUnaryOps}, {@link CudaBinaryOps}). Nothing else ties the orders
 * together, so this test does: for every Java op enum, the C enum of the kernel file that holds its
 * names lists exactly those names in the same order, and each unary and binary op's case in the
 * generated switches holds that op's own code. A
 * reordered C enum, or a generator that put a formula under the wrong op code, silently runs the
 * wrong formula on the GPU; here it fails on the CPU, with no GPU needed.
 */
class CudaOpTablesTest {
    private static final Pattern C_ENUM = Pattern.compile("\\benum\\s*\\{([^}]*)\\}");

    @Test
    void unaryOpsMatchTheGeneratedHeader() throws IOException {
        assertSameOrder(UnaryOp.values(), CudaUnaryOps.HEADER);
    }

    @Test
    void binaryOpsMatchTheGeneratedHeader() throws IOException {
        assertSameOrder(BinaryOp.values(), CudaBinaryOps.HEADER);
    }

    @Test
    void theElementwiseKernelsIncludeTheGeneratedHeaders() throws IOException {
        for (String header : List.of(CudaUnaryOps.HEADER, CudaBinaryOps.HEADER)) {
            assertTrue(source("elementwise.cu").contains("#include \"" + header + "\""), "elementwise.cu must take its ops from " + header);
            assertTrue(CudaKernels.HEADERS.contains(header), "the compiler must be given " + header);
        }
    }

    @Test
    void eachUnaryCaseHoldsItsOwnOpsCode() throws IOException {
        String h = source(CudaUnaryOps.HEADER);
        int forward = h.indexOf("unary_op(");
        int derivative = h.indexOf("unary_derivative(");
        assertTrue(forward >= 0 && derivative > forward, "the header defines unary_op, then unary_derivative");
        for (UnaryOp op : UnaryOp.values()) {
            String label = CudaUnaryOps.PREFIX + op.name();
            assertEquals(squeeze(op.cudaForward()), squeeze(caseBody(h.substring(forward, derivative), label)), op + " forward");
            assertEquals(squeeze(op.cudaDerivative()), squeeze(caseBody(h.substring(derivative), label)), op + " derivative");
        }
    }

    @Test
    void eachBinaryCaseHoldsItsOwnOpsCode() throws IOException {
        String h = source(CudaBinaryOps.HEADER);
        int real = h.indexOf("binary_op(");
        int integer = h.indexOf("binary_op_int(");
        assertTrue(real >= 0 && integer > real, "the header defines binary_op, then binary_op_int");
        for (BinaryOp op : BinaryOp.values()) {
            String label = CudaBinaryOps.PREFIX + op.name();
            assertEquals(squeeze(op.cudaCode()), squeeze(caseBody(h.substring(real, integer), label)), op + " floating point");
            assertEquals(squeeze(op.cudaIntegerCode()), squeeze(caseBody(h.substring(integer), label)), op + " integer");
        }
    }

    /** The code under {@code case <label>:} up to the next case or the end of the switch, without the return it adds. */
    private static String caseBody(String function, String label) {
        Matcher m = Pattern.compile("case " + label + ":(.*?)(?=\\n\\s*case |\\n\\s*}\\n\\s*return)", Pattern.DOTALL)
                .matcher(function);
        assertTrue(m.find(), "no case for " + label);
        String body = m.group(1).strip();
        if (body.startsWith("{") && body.endsWith("}")) {
            return body.substring(1, body.length() - 1);
        }
        assertTrue(body.startsWith("return ") && body.endsWith(";"), label + ": " + body);
        return body.substring("return ".length(), body.length() - 1);
    }

    private static String squeeze(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    @Test
    void distributionsMatchRandomKernels() throws IOException {
        assertSameOrder(Distribution.values(), "elementwise.cu");
    }

    @Test
    void reduceOpsMatchReductionKernels() throws IOException {
        assertSameOrder(ReduceOp.values(), "reduce.cu");
    }

    @Test
    void parserFindsEveryEnumOfTheElementwiseFile() throws IOException {
        // Guards the test itself: if the regular expression stopped matching, the checks above
        // would fail to find their enum rather than pass vacuously; one enum lives in this file,
        // one in each generated header.
        assertEquals(1, cEnums(source("elementwise.cu")).size());
        assertEquals(1, cEnums(source(CudaUnaryOps.HEADER)).size());
        assertEquals(1, cEnums(source(CudaBinaryOps.HEADER)).size());
    }

    private static void assertSameOrder(Enum<?>[] javaOps, String file) throws IOException {
        List<String> javaNames = Arrays.stream(javaOps).map(Enum::name).toList();
        List<List<String>> enums = cEnums(source(file));
        List<String> match = null;
        for (List<String> e : enums) {
            if (e.contains(javaNames.get(0))) {
                match = e;
            }
        }
        assertNotNull(match, file + " has no C enum containing " + javaNames.get(0) + "; its enums are " + enums);
        assertEquals(javaNames, match, "the C enum in " + file + " must list " + javaOps[0].getDeclaringClass().getSimpleName()
                + " in the Java order, since the kernels receive ordinal()");
    }

    private static List<List<String>> cEnums(String src) {
        String code = src.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        List<List<String>> out = new ArrayList<>();
        Matcher m = C_ENUM.matcher(code);
        while (m.find()) {
            List<String> names = new ArrayList<>();
            for (String part : m.group(1).split(",")) {
                String name = part.trim();
                int eq = name.indexOf('=');
                assertTrue(eq < 0, "explicit enumerator values are not expected: " + name);
                if (!name.isEmpty()) {
                    names.add(withoutPrefix(name));
                }
            }
            out.add(names);
        }
        return out;
    }

    /** The op name of a generated enumerator (U_NEG, B_ADD); a hand-written one as it is. */
    private static String withoutPrefix(String name) {
        for (String prefix : List.of(CudaUnaryOps.PREFIX, CudaBinaryOps.PREFIX)) {
            if (name.startsWith(prefix)) {
                return name.substring(prefix.length());
            }
        }
        return name;
    }

    private static String source(String file) throws IOException {
        return CudaKernels.source(file);
    }
}
