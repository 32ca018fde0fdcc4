package panface.nativebindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The minimal C headers the bindings are generated from (src/main/c) against the libraries' real
 * headers, by scripts/gpu/check-headers.py: every enum value and function type the bindings rely
 * on must be what the real header says. Runs wherever python3, a C compiler and at least one real
 * header are found (CI unpacks Debian's CUDA headers and names them in PANFACE_CUDA_HEADERS);
 * otherwise skipped with the reason. A header that is missing (NCCL's is not in Debian) is
 * reported, not failed: the GPU run checks it.
 */
class MinimalHeadersTest {

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void minimalHeadersAgreeWithTheRealOnes() throws Exception {
        Path python = onPath("python3");
        assumeTrue(python != null, "python3 is not on the PATH: minimal headers not checked against the real ones");
        assumeTrue(onPath("cc") != null || onPath("gcc") != null || onPath("clang") != null,
                "no C compiler on the PATH: minimal headers not checked against the real ones");
        Path script = Path.of("..", "scripts", "gpu", "check-headers.py");
        assumeTrue(Files.isRegularFile(script), "scripts/gpu/check-headers.py is not beside this module");
        Process p = new ProcessBuilder(python.toString(), script.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "check-headers.py did not finish");
        System.out.println(out.strip());
        assertNotEquals(1, p.exitValue(), "the minimal headers differ from the real ones:\n" + out);
        assumeTrue(out.contains(" matches "), "no real CUDA header found (set PANFACE_CUDA_HEADERS):\n" + out);
        assertEquals(0, out.lines().filter(l -> l.contains("DIFFERS")).count(), out);
    }
}
