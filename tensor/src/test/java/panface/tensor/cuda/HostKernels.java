package panface.tensor.cuda;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CPU execution harness of the kernel sources: a kernel source, with the shim
 * {@code host/cuda_host.h} and a driver {@code host/<source>_driver.cpp}, compiled as host C++ by
 * g++ or clang++, and run on files of inputs and outputs (each CUDA thread a fiber: see cuda_host.h). Drivers are compiled once per JVM, all
 * at once. See cuda_host.h for what the harness can and cannot catch.
 */
final class HostKernels {
    private static final String HOST_DIR = "/panface/tensor/cuda/host/";
    private static final List<String> DRIVERS = List.of("rows", "attention", "reduce");
    private static final Map<String, Object> BUILT = new HashMap<>();
    private static Path workDir;

    private HostKernels() {
    }

    /** A host C++ compiler on the PATH (g++, clang++ or c++), or null. */
    static Path compiler() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : new String[] {"g++", "clang++", "c++"}) {
            for (String d : path.split(File.pathSeparator)) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * The kernel source as host C++: a block's dynamic shared memory ({@code extern __shared__ T
     * name[]}, which has no host spelling) becomes a pointer to the launch's buffer.
     */
    static String hostSource(String cu) {
        return CudaKernels.source(cu).replaceAll("extern __shared__ ([\\w ]+?) (\\w+)\\[\\];", "$1* $2 = ($1*)host_dynamic_shared();");
    }

    private static String resource(String name) {
        try (InputStream in = HostKernels.class.getResourceAsStream(HOST_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + HOST_DIR + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The driver binary of {@code source} (rows, attention, reduce), or the compiler's error as an exception. */
    static synchronized Path driver(String source) throws Exception {
        if (BUILT.isEmpty()) {
            buildAll();
        }
        Object r = BUILT.get(source);
        if (r instanceof Exception e) {
            throw new IllegalStateException("host build of " + source + ".cu failed", e);
        }
        return (Path) r;
    }

    private static void buildAll() throws IOException, InterruptedException {
        Path cxx = compiler();
        workDir = Files.createTempDirectory("panface-host-kernels");
        workDir.toFile().deleteOnExit();
        Files.writeString(workDir.resolve(CudaKernels.HEADER), CudaKernels.source(CudaKernels.HEADER));
        Files.writeString(workDir.resolve("cuda_host.h"), resource("cuda_host.h"));
        Map<String, Process> running = new HashMap<>();
        for (String d : DRIVERS) {
            Files.writeString(workDir.resolve(d + ".cu"), hostSource(d + ".cu"));
            Files.writeString(workDir.resolve(d + "_driver.cpp"), resource(d + "_driver.cpp"));
            // -O1: seconds to build; -w: the shim leaves the 16-bit conversions unset on purpose
            running.put(d, new ProcessBuilder(cxx.toString(), "-std=c++20", "-O1", "-w", "-o", workDir.resolve(d).toString(),
                    workDir.resolve(d + "_driver.cpp").toString()).directory(workDir.toFile()).redirectErrorStream(true).start());
        }
        for (Map.Entry<String, Process> e : running.entrySet()) {
            Process p = e.getValue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                BUILT.put(e.getKey(), new IllegalStateException(out));
            } else {
                BUILT.put(e.getKey(), workDir.resolve(e.getKey()));
            }
        }
    }

    /** A fresh folder for one run's files. */
    static synchronized Path runDir() throws IOException, InterruptedException {
        if (BUILT.isEmpty()) {
            buildAll();
        }
        return Files.createTempDirectory(workDir, "run");
    }

    /** Runs a driver with arguments; fails with its output on a non-zero exit or after 60 s (a barrier some threads never reach). */
    static void run(Path driver, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(driver.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(driver.getFileName() + " " + String.join(" ", args) + " did not finish in 60 s: a barrier or shuffle that not every thread reaches?");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(driver.getFileName() + " " + String.join(" ", args) + " exited with " + p.exitValue() + ":\n" + out);
        }
    }

    static void write(Path dir, String name, double[] v, boolean asFloat) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * (asFloat ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            if (asFloat) {
                b.putFloat((float) x);
            } else {
                b.putDouble(x);
            }
        }
        Files.write(dir.resolve(name), b.array());
    }

    static void writeLongs(Path dir, String name, long... v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        Files.write(dir.resolve(name), b.array());
    }

    static double[] read(Path dir, String name, boolean asFloat) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / (asFloat ? 4 : 8)];
        for (int i = 0; i < v.length; i++) {
            v[i] = asFloat ? b.getFloat() : b.getDouble();
        }
        return v;
    }

    static int[] readInts(Path dir, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getInt();
        }
        return v;
    }
}
