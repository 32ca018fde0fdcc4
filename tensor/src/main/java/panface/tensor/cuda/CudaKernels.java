package panface.tensor.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import panface.nativebindings.CacheDir;
import panface.nativebindings.NativeCallException;
import panface.nativebindings.cuda.Cuda;
import panface.nativebindings.nvrtc.NvrtcCompiler;

/**
 * The kernels of one device. Each {@code .cu} resource (with the shared {@code common.cuh}) is
 * compiled by NVRTC for the device's architecture (a CUBIN; PTX for the driver to finish when
 * NVRTC does not know the architecture), and the image is cached on disk under the cache folder,
 * keyed by a hash of the sources, the options, the architecture and NVRTC's version, so later runs
 * load it without compiling. The modules compile in parallel and failures are remembered
 * ({@link CompiledModules}).
 */
final class CudaKernels {
    private static final Logger LOG = LoggerFactory.getLogger(CudaKernels.class);
    /** Every kernel source, in the resource folder panface/tensor/cuda. */
    static final List<String> SOURCES = List.of("elementwise.cu", "reduce.cu", "rows.cu", "attention.cu", "index.cu", "image.cu");
    static final String HEADER = "common.cuh";
    /** Every header the sources include: common.cuh, and the unary and binary ops' headers written from their descriptions. */
    static final List<String> HEADERS = List.of(HEADER, CudaUnaryOps.HEADER, CudaBinaryOps.HEADER);
    private static final String RESOURCE_DIR = "/panface/tensor/cuda/";

    private final CompiledModules<MemorySegment> modules;
    private final Map<String, MemorySegment> functions = new HashMap<>();

    CudaKernels(CudaDevice device) {
        this.modules = new CompiledModules<>(SOURCES, file -> compile(file, device.info().arch()), image -> {
            device.makeCurrent();
            return Cuda.moduleLoad(image);
        });
    }

    /** The kernel {@code name} of {@code file}, compiling and loading the modules on first use. */
    synchronized MemorySegment function(String file, String name) {
        String key = file + ":" + name;
        MemorySegment f = functions.get(key);
        if (f != null) {
            return f;
        }
        f = Cuda.moduleFunction(modules.module(file), name);
        functions.put(key, f);
        return f;
    }

    /** Compiles (or finds cached) and loads every module; the ones that failed, with their errors. */
    Map<String, RuntimeException> loadAll() {
        return modules.loadAll();
    }

    /**
     * The text of a kernel source or header; the ops' headers are written from {@link
     * panface.tensor.backend.UnaryOp} and {@link panface.tensor.backend.BinaryOp}.
     */
    static String source(String name) {
        if (name.equals(CudaUnaryOps.HEADER)) {
            return CudaUnaryOps.header();
        }
        if (name.equals(CudaBinaryOps.HEADER)) {
            return CudaBinaryOps.header();
        }
        try (InputStream in = CudaKernels.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + RESOURCE_DIR + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every header by name, as the compiler is given them. */
    static Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        for (String name : HEADERS) {
            h.put(name, source(name));
        }
        return h;
    }

    static List<String> options(String gpuArch) {
        List<String> o = new ArrayList<>();
        o.add("--gpu-architecture=" + gpuArch);
        o.add("-std=c++17");
        return o;
    }

    /** The image of one module for a real architecture (sm_XY), or PTX where NVRTC cannot target it. */
    private static byte[] compile(String file, String arch) {
        String src = source(file);
        Map<String, String> headers = headers();
        int[] nvrtc = NvrtcCompiler.version();
        byte[] image = cached(file, src, headers, arch, nvrtc, true);
        if (image == null) {
            image = cached(file, src, headers, "compute_" + arch.substring(3), nvrtc, false);
        }
        return image;
    }

    /** The compiled image from the disk cache, or compiled now; null when NVRTC refuses a real architecture. */
    private static byte[] cached(String file, String src, Map<String, String> headers, String gpuArch, int[] nvrtc, boolean realArch) {
        List<String> opts = options(gpuArch);
        List<String> parts = new ArrayList<>(List.of(src));
        HEADERS.forEach(h -> parts.add(headers.get(h)));
        parts.add(String.join(" ", opts));
        parts.add(nvrtc[0] + "." + nvrtc[1]);
        String hash = hash(parts.toArray(String[]::new));
        Path dir = CacheDir.root().resolve("kernels");
        Path path = dir.resolve(file.replace(".cu", "") + "-" + gpuArch + "-" + hash + (realArch ? ".cubin" : ".ptx"));
        try {
            if (Files.isRegularFile(path)) {
                return Files.readAllBytes(path);
            }
        } catch (IOException e) {
            LOG.warn("could not read cached kernel image {}: {}", path, e.toString());
        }
        long t0 = System.nanoTime();
        NvrtcCompiler.Image img;
        try {
            img = NvrtcCompiler.compile(file, src, headers, opts);
        } catch (NativeCallException e) {
            if (realArch && e.getMessage().contains("NVRTC_ERROR_INVALID_OPTION")) {
                LOG.info("NVRTC {}.{} cannot target {}; compiling {} to PTX for the driver", nvrtc[0], nvrtc[1], gpuArch, file);
                return null;
            }
            throw e;
        }
        LOG.info("compiled {} for {} in {} ms", file, gpuArch, (System.nanoTime() - t0) / 1_000_000);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file, ".part");
            Files.write(tmp, img.bytes());
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("could not cache kernel image {}: {}", path, e.toString());
        }
        return img.bytes();
    }

    static String hash(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update(p.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized void unloadAll() {
        for (MemorySegment m : modules.takeLoaded()) {
            Cuda.moduleUnload(m);
        }
        functions.clear();
    }
}
