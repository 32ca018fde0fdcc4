package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nativebindings.NativeLibraries;
import panface.nativebindings.nvrtc.NvrtcCompiler;

/**
 * Every kernel source compiles: with {@code nvcc -ptx} where the CUDA toolkit is installed, and
 * with NVRTC (the compiler the backend uses at run time) where libnvrtc can be loaded. Neither
 * needs a GPU. Each check is skipped, with the reason, where its compiler is missing.
 */
class KernelSourcesTest {

    private static Path nvcc() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                candidates.add(Path.of(d, "nvcc"));
            }
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void everySourceCompilesWithNvcc(@TempDir Path dir) throws Exception {
        Path nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH (nor in $CUDA_HOME/bin or /usr/local/cuda/bin): kernel sources not compiled");
        Files.writeString(dir.resolve(CudaKernels.HEADER), CudaKernels.source(CudaKernels.HEADER));
        List<Process> running = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String src : CudaKernels.SOURCES) {
            Files.writeString(dir.resolve(src), CudaKernels.source(src));
            // compute_80: the oldest architecture the kernels support (bf16 hardware)
            ProcessBuilder pb = new ProcessBuilder(nvcc.toString(), "-ptx", "-arch=compute_80", "-std=c++17", "-o",
                    dir.resolve(src + ".ptx").toString(), dir.resolve(src).toString()).redirectErrorStream(true);
            running.add(pb.start());
            names.add(src);
        }
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < running.size(); i++) {
            Process p = running.get(i);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), names.get(i) + ": nvcc did not finish");
            if (p.exitValue() != 0) {
                failures.append(names.get(i)).append(":\n").append(out).append('\n');
            }
        }
        assertEquals("", failures.toString());
        for (String src : CudaKernels.SOURCES) {
            String ptx = Files.readString(dir.resolve(src + ".ptx"));
            for (String kernel : declaredKernels(CudaKernels.source(src))) {
                assertTrue(ptx.contains(".entry " + kernel) || ptx.contains(".entry " + kernel + "("),
                        src + " does not define kernel " + kernel);
            }
        }
    }

    @Test
    void everySourceCompilesWithNvrtc() {
        assumeTrue(NativeLibraries.isLoadable(NativeLibraries.NVRTC), "NVRTC is not installed: run-time compilation not checked here");
        int[] v = NvrtcCompiler.version();
        String header = CudaKernels.source(CudaKernels.HEADER);
        for (String src : CudaKernels.SOURCES) {
            NvrtcCompiler.Image img = NvrtcCompiler.compile(src, CudaKernels.source(src), Map.of(CudaKernels.HEADER, header),
                    CudaKernels.options("compute_80"));
            String ptx = new String(img.bytes(), StandardCharsets.US_ASCII);
            assertTrue(ptx.contains(".entry"), src + ": NVRTC " + v[0] + "." + v[1] + " produced no kernels");
        }
    }

    /**
     * The plainly written extern "C" kernels of a source (kernels stamped out by macros are checked
     * through the names the backend builds, in the NVRTC test where it runs).
     */
    private static List<String> declaredKernels(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\) )?(?!__launch_bounds__)([a-z_0-9]+)\\(").matcher(source);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
