package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nativebindings.NativeLibraries;
import panface.nativebindings.nvrtc.NvrtcCompiler;

/**
 * Every kernel source compiles with NVRTC (the compiler the backend uses at run time) where
 * libnvrtc can be loaded, and the argument structs have the layout the Java side packs (nvcc).
 * Neither needs a GPU; each check is skipped, with the reason, where its compiler is missing.
 * {@link KernelResourcesTest} compiles the sources with nvcc for sm_90.
 */
class KernelSourcesTest {

    static Path nvcc() {
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

    private static final List<String> ALL = List.of("f32", "f64", "bf16", "f16", "i32", "i64", "b8");
    private static final List<String> FLOATS = List.of("f32", "f64", "bf16", "f16");
    private static final List<String> INDEX = List.of("i64", "i32");

    /** The kernel names CudaBackend, CudaFused and CudaIndexing build for every dtype they accept. */
    static Map<String, List<String>> namesTheBackendBuilds() {
        List<String> elementwise = new ArrayList<>();
        for (int w : new int[] {1, 2, 4, 8}) {
            elementwise.add("copy_w" + w);
            elementwise.add("fill_w" + w);
        }
        for (String a : ALL) {
            for (String b : ALL) {
                elementwise.add("convert_" + a + "_" + b);
            }
            for (String f : List.of("random_", "unary_pred_", "unary_", "where_")) {
                elementwise.add(f + a);
            }
        }
        for (String a : FLOATS) {
            elementwise.addAll(List.of("unary_backward_" + a, "binary_" + a, "binary_pred_" + a, "bias_act_" + a, "bias_act_backward_" + a));
        }
        for (String a : List.of("i32", "i64", "b8")) {
            elementwise.addAll(List.of("binary_int_" + a, "binary_int_pred_" + a));
        }
        List<String> reduce = new ArrayList<>();
        for (String a : ALL) {
            reduce.addAll(List.of("reduce_warp_" + a, "reduce_block_" + a, "colsum_partial_" + a, "colsum_final_" + a));
        }
        List<String> rows = new ArrayList<>();
        List<String> attention = new ArrayList<>();
        List<String> image = new ArrayList<>();
        for (String a : FLOATS) {
            for (String f : List.of("softmax_", "softmax_backward_", "layer_norm_", "layer_norm_backward_", "layer_norm_params_partial_",
                    "sum_chunks_", "margin_ce_", "adamw_")) {
                rows.add(f + a);
            }
            attention.add("attention_delta_" + a);
            for (int dl : CudaFused.ATTN_LANE_DIMS) {
                for (String f : List.of("attention_forward_", "attention_dkdv_", "attention_dq_")) {
                    attention.add(f + a + "_" + dl);
                }
            }
            for (String f : List.of("im2col_", "col2im_", "max_pool_", "max_pool_backward_", "avg_pool_", "avg_pool_backward_",
                    "adaptive_avg_pool_", "adaptive_avg_pool_backward_", "grid_sample_", "grid_sample_backward_")) {
                image.add(f + a);
            }
        }
        List<String> index = new ArrayList<>();
        for (String i : INDEX) {
            index.add("check_index_" + i);
            for (String a : ALL) {
                index.add("index_select_" + a + "_" + i);
                index.add("gather_" + a + "_" + i);
                if (!a.equals("b8")) {
                    index.add("index_add_" + a + "_" + i);
                    index.add("scatter_add_" + a + "_" + i);
                }
            }
        }
        return Map.of("elementwise.cu", elementwise, "reduce.cu", reduce, "rows.cu", rows, "attention.cu", attention, "index.cu", index,
                "image.cu", image);
    }

    /**
     * The structs passed by value to kernels have the layout the Java side packs: a host program
     * built by nvcc from the sources' own definitions prints their sizes and offsets.
     */
    @Test
    void argumentStructsMatchTheJavaPacking(@TempDir Path dir) throws Exception {
        Path nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH: struct layouts not checked");
        Files.writeString(dir.resolve(CudaKernels.HEADER), CudaKernels.source(CudaKernels.HEADER));
        StringBuilder prog = new StringBuilder("#include \"common.cuh\"\n#include <cstdio>\n#include <cstddef>\n");
        for (String[] fs : new String[][] {{"image.cu", "Conv"}, {"image.cu", "Pool"}, {"attention.cu", "Strides4"}}) {
            Matcher m = Pattern.compile("struct " + fs[1] + " \\{[^}]*\\};").matcher(CudaKernels.source(fs[0]));
            assertTrue(m.find(), fs[0] + " no longer defines struct " + fs[1]);
            prog.append(m.group()).append('\n');
        }
        prog.append("""
                int main() {
                    printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\\n", sizeof(Layout), offsetof(Layout, offset),
                           offsetof(Layout, rank), offsetof(Layout, contiguous), offsetof(Layout, size), offsetof(Layout, stride),
                           sizeof(Conv), alignof(Conv), sizeof(Pool), alignof(Pool), sizeof(Strides4));
                    return 0;
                }
                """);
        Files.writeString(dir.resolve("abi.cu"), prog);
        Process p = new ProcessBuilder(nvcc.toString(), "-std=c++17", "-o", dir.resolve("abi").toString(), dir.resolve("abi.cu").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "nvcc failed:\n" + out);
        Process run = new ProcessBuilder(dir.resolve("abi").toString()).redirectErrorStream(true).start();
        String got = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, run.waitFor(), got);
        // Conv: 8 ints, Pool: 7 ints (KernelArgs.ints, 4-byte aligned); Strides4: 3 longs (KernelArgs.longs)
        String want = KernelArgs.LAYOUT_BYTES + " 0 " + KernelArgs.LAYOUT_RANK_AT + " " + KernelArgs.LAYOUT_CONTIGUOUS_AT + " "
                + KernelArgs.LAYOUT_SIZE_AT + " " + KernelArgs.LAYOUT_STRIDE_AT + " 32 4 28 4 24";
        assertEquals(want, got, "sizeof/offsetof of the kernel argument structs");
    }

    /**
     * NVRTC, the compiler the backend uses at run time, compiles every source (CI installs
     * Debian's NVRTC, CUDA 11.8, so this runs on every CI run), in parallel as the backend does,
     * and defines every kernel name the backend launches.
     */
    @Test
    void everySourceCompilesWithNvrtc() throws Exception {
        assumeTrue(NativeLibraries.isLoadable(NativeLibraries.NVRTC),
                "NVRTC is not installed (CI installs Debian's libnvrtc11.2): run-time compilation not checked here");
        int[] v = NvrtcCompiler.version();
        Map<String, String> headers = CudaKernels.headers();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(CudaKernels.SOURCES.size(),
                Runtime.getRuntime().availableProcessors())));
        Map<String, Future<NvrtcCompiler.Image>> images = new LinkedHashMap<>();
        try {
            for (String src : CudaKernels.SOURCES) {
                images.put(src, pool.submit(() -> NvrtcCompiler.compile(src, CudaKernels.source(src), headers,
                        CudaKernels.options("compute_80"))));
            }
            StringBuilder missing = new StringBuilder();
            for (Map.Entry<String, List<String>> e : namesTheBackendBuilds().entrySet()) {
                String ptx = new String(images.get(e.getKey()).get(10, TimeUnit.MINUTES).bytes(), StandardCharsets.US_ASCII);
                for (String kernel : e.getValue()) {
                    if (!ptx.contains(".entry " + kernel + "(")) {
                        missing.append(e.getKey()).append(": ").append(kernel).append('\n');
                    }
                }
            }
            assertEquals("", missing.toString(), "kernels the backend launches but NVRTC " + v[0] + "." + v[1] + " did not produce");
        } finally {
            pool.shutdownNow();
        }
    }
}
