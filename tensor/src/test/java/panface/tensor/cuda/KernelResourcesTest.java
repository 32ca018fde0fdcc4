package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.tensor.DType;

/**
 * What the GPU's assembler says about every kernel, for sm_90 (H100), from
 * {@code nvcc -cubin --resource-usage} (no GPU needed): every kernel the backend launches exists;
 * no kernel spills registers to local memory, except the float64 attention variants (two float64
 * accumulators per head dimension do not fit 255 registers); registers times the largest block
 * the backend launches the kernel with fit the multiprocessor's register file; static plus the
 * largest dynamic shared memory fit the opt-in limit per block. Skipped where nvcc is missing.
 */
class KernelResourcesTest {
    private static final String ARCH = "sm_90";
    /** sm_90: 64 K 32-bit registers per multiprocessor, at most 255 per thread. */
    private static final int REGISTER_FILE = 65536;
    /** sm_90: 227 KiB of shared memory per block with the opt-in attribute. */
    private static final int SHARED_OPT_IN = 227 * 1024;

    /** One kernel's line in the resource report. */
    record Usage(String kernel, int stackBytes, int spillStores, int spillLoads, int registers, int staticShared) {
    }

    private static final Pattern FUNCTION = Pattern.compile("Function properties for (\\w+)\\s*\\n\\s*(\\d+) bytes stack frame, "
            + "(\\d+) bytes spill stores, (\\d+) bytes spill loads\\s*\\n[^\\n]*Used (\\d+) registers([^\\n]*)");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    static List<Usage> parse(String report) {
        List<Usage> out = new ArrayList<>();
        Matcher m = FUNCTION.matcher(report);
        while (m.find()) {
            Matcher sm = SMEM.matcher(m.group(6));
            out.add(new Usage(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)), sm.find() ? Integer.parseInt(sm.group(1)) : 0));
        }
        return out;
    }

    /** The largest block the backend launches {@code kernel} with (CudaFused, CudaBackend, CudaDevice). */
    static int largestBlock(String kernel) {
        if (kernel.matches("(softmax|softmax_backward|layer_norm|layer_norm_backward|margin_ce)_[a-z0-9]+")) {
            return CudaFused.rowThreads(1L << 40);
        }
        if (kernel.matches("attention_(forward|dkdv|dq)_.*")) {
            return CudaFused.ATTN_THREADS;
        }
        if (kernel.startsWith("reduce_block_")) {
            return CudaBackend.REDUCE_BLOCK_THREADS;
        }
        return CudaDevice.LAUNCH1D_THREADS;
    }

    /** The largest dynamic shared memory the backend launches {@code kernel} with. */
    static int largestDynamicShared(String kernel) {
        Matcher m = Pattern.compile("attention_(forward|dkdv|dq)_([a-z0-9]+)_(\\d+)").matcher(kernel);
        if (!m.matches()) {
            return 0;
        }
        DType st = CudaFused.statType(switch (m.group(2)) {
            case "f64" -> DType.F64;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> DType.F32;
        });
        int dl = Integer.parseInt(m.group(3));
        return switch (m.group(1)) {
            case "forward" -> CudaFused.forwardSharedBytes(dl, st);
            case "dkdv" -> CudaFused.dkdvSharedBytes(dl, st);
            default -> CudaFused.dqSharedBytes(dl, st);
        };
    }

    /** Register spills are allowed only in the float64 attention kernels, which the training step never uses. */
    static boolean mayspill(String kernel) {
        return kernel.matches("attention_(forward|dkdv|dq)_f64_\\d+");
    }

    /** The problems of one report (empty when there are none). */
    static List<String> problems(List<Usage> usages) {
        List<String> out = new ArrayList<>();
        for (Usage u : usages) {
            if ((u.spillStores() > 0 || u.spillLoads() > 0) && !mayspill(u.kernel())) {
                out.add(u.kernel() + ": spills " + u.spillStores() + " bytes to local memory");
            }
            // registers are allocated per warp in units of 256, i.e. 8 per thread
            int regs = (u.registers() + 7) / 8 * 8;
            int block = largestBlock(u.kernel());
            if ((long) regs * block > REGISTER_FILE) {
                out.add(u.kernel() + ": " + u.registers() + " registers x " + block + " threads exceed the register file");
            }
            int shared = u.staticShared() + largestDynamicShared(u.kernel());
            if (shared > SHARED_OPT_IN) {
                out.add(u.kernel() + ": " + shared + " bytes of shared memory exceed the opt-in limit " + SHARED_OPT_IN);
            }
        }
        return out;
    }

    @Test
    void everyKernelFitsAnH100(@TempDir Path dir) throws Exception {
        Path nvcc = KernelSourcesTest.nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH (nor in $CUDA_HOME/bin or /usr/local/cuda/bin): kernel resources not checked");
        for (Map.Entry<String, String> h : CudaKernels.headers().entrySet()) {
            Files.writeString(dir.resolve(h.getKey()), h.getValue());
        }
        Map<String, Process> running = new LinkedHashMap<>();
        for (String src : CudaKernels.SOURCES) {
            Files.writeString(dir.resolve(src), CudaKernels.source(src));
            running.put(src, new ProcessBuilder(nvcc.toString(), "-cubin", "-arch=" + ARCH, "-std=c++17", "--resource-usage", "-o",
                    dir.resolve(src + ".cubin").toString(), dir.resolve(src).toString()).redirectErrorStream(true).start());
        }
        StringBuilder failures = new StringBuilder();
        Map<String, List<Usage>> usages = new LinkedHashMap<>();
        for (Map.Entry<String, Process> e : running.entrySet()) {
            Process p = e.getValue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), e.getKey() + ": nvcc did not finish");
            if (p.exitValue() != 0) {
                failures.append(e.getKey()).append(":\n").append(out).append('\n');
            }
            usages.put(e.getKey(), parse(out));
        }
        assertEquals("", failures.toString(), "nvcc for " + ARCH);

        StringBuilder missing = new StringBuilder();
        for (Map.Entry<String, List<String>> e : KernelSourcesTest.namesTheBackendBuilds().entrySet()) {
            List<String> defined = usages.get(e.getKey()).stream().map(Usage::kernel).toList();
            List<String> wanted = new ArrayList<>(e.getValue());
            wanted.addAll(declaredKernels(CudaKernels.source(e.getKey())));
            for (String kernel : wanted) {
                if (!defined.contains(kernel)) {
                    missing.append(e.getKey()).append(": ").append(kernel).append('\n');
                }
            }
        }
        assertEquals("", missing.toString(), "kernels the backend launches (or a source declares) that nvcc did not build");

        List<String> problems = new ArrayList<>();
        usages.values().forEach(u -> problems.addAll(problems(u)));
        assertEquals("", String.join("\n", problems), "resource usage on " + ARCH);
    }

    /** The parser and the limits on a report in nvcc's format, so that the test above cannot pass by reading nothing. */
    @Test
    void theCheckReadsNvccsReport() {
        String report = """
                ptxas info    : Compiling entry function 'softmax_f32' for 'sm_90'
                ptxas info    : Function properties for softmax_f32
                    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 72 registers, used 1 barriers, 128 bytes smem, 400 bytes cmem[0]
                ptxas info    : Function properties for attention_dkdv_f32_32
                    8 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads
                ptxas info    : Used 216 registers, used 1 barriers, 400 bytes cmem[0]
                ptxas info    : Function properties for attention_forward_f64_32
                    112 bytes stack frame, 212 bytes spill stores, 212 bytes spill loads
                ptxas info    : Used 255 registers, used 1 barriers, 180000 bytes smem
                """;
        List<Usage> u = parse(report);
        assertEquals(List.of(new Usage("softmax_f32", 0, 0, 0, 72, 128), new Usage("attention_dkdv_f32_32", 8, 8, 8, 216, 0),
                new Usage("attention_forward_f64_32", 112, 212, 212, 255, 180000)), u);
        // 72 registers x 1024 threads > 64 K; a float32 attention kernel spills; 180,000 + 64 KiB > 227 KiB
        assertEquals(List.of("softmax_f32: 72 registers x 1024 threads exceed the register file",
                "attention_dkdv_f32_32: spills 8 bytes to local memory",
                "attention_forward_f64_32: 245536 bytes of shared memory exceed the opt-in limit 232448"), problems(u));
    }

    /** The plainly written extern "C" kernels of a source (those stamped out by macros come from namesTheBackendBuilds). */
    private static List<String> declaredKernels(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\([^)]*\\) )?(?!__launch_bounds__)([a-z_0-9]+)\\(")
                .matcher(source);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
