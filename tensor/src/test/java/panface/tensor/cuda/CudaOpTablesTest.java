package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import panface.tensor.backend.BinaryOp;
import panface.tensor.backend.Distribution;
import panface.tensor.backend.ReduceOp;
import panface.tensor.backend.UnaryOp;

/**
 * The CUDA kernels receive an op as the Java enum's ordinal ({@code op.ordinal()} in
 * {@link CudaBackend}) and switch on an anonymous C enum spelled out by hand in the .cu source.
 * Nothing else ties the two orders together, so this test does: for every Java op enum, the C enum
 * of the kernel file that holds its names lists exactly those names in the same order. A new
 * UnaryOp added in the middle of the Java enum, or a reordered C enum, silently runs the wrong
 * formula on the GPU; here it fails on the CPU, with no GPU needed.
 */
class CudaOpTablesTest {
    private static final Pattern C_ENUM = Pattern.compile("\\benum\\s*\\{([^}]*)\\}");

    /**
     * C enumerators share one scope per file, so the unary power is spelled POW_U beside the
     * binary POW; this is the only spelling allowed to differ from the Java name.
     */
    private static final Map<String, String> C_SPELLING = Map.of("POW_U", "POW");

    @Test
    void unaryOpsMatchElementwiseKernels() throws IOException {
        assertSameOrder(UnaryOp.values(), "elementwise.cu");
    }

    @Test
    void binaryOpsMatchElementwiseKernels() throws IOException {
        assertSameOrder(BinaryOp.values(), "elementwise.cu");
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
        // would fail to find their enum rather than pass vacuously; three enums live in this file.
        assertEquals(3, cEnums(source("elementwise.cu")).size());
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
                    names.add(C_SPELLING.getOrDefault(name, name));
                }
            }
            out.add(names);
        }
        return out;
    }

    private static String source(String file) throws IOException {
        try (InputStream in = CudaBackend.class.getResourceAsStream("/panface/tensor/cuda/" + file)) {
            assertNotNull(in, "kernel source " + file + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
