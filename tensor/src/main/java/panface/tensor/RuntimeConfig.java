package panface.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Every tuning setting of the engine in one record, read from system properties in one place
 * ({@link #fromSystemProperties()}), listed in one table ({@link #SETTINGS}, printed by
 * {@code panface info --config} and copied into the README), validated with an error that names the
 * property.
 *
 * <p>The CPU kernels read {@link #startup()}, the record made from the system properties when the
 * engine is first used, into {@code static final} fields, because the JIT folds those into the
 * compiled loops (block sizes, thread counts); they cannot change afterwards in a running JVM. A
 * test or a service that needs other values starts its JVM with the properties (e.g. surefire's
 * {@code argLine}); {@link #parse} lets code and tests build and check a configuration without
 * touching the running one.
 *
 * @param threads CPU worker threads
 * @param spinMicros how long an idle worker spins before sleeping
 * @param reproducible bit-identical CPU results run after run
 * @param prefetch software prefetch of the next GEMM panels
 * @param l2Bytes one core's level-2 cache; 0 reads it from the operating system
 * @param poolBytes bytes the Java-heap array pool may keep; 0 means half the maximum heap
 * @param packLimitBytes largest strided operand an elementwise op copies to contiguous first
 * @param scratchKeepBytes native scratch buffers above this size are freed after use
 * @param gemmKc packed GEMM depth per block
 * @param gemmNc packed GEMM weight columns per block
 * @param gemmMRows rows of A packed at once
 * @param gemmPackedDisable turn the prepacked (OpenBLAS micro-kernel) GEMM off
 * @param gemmPrefetchRows rows between prefetches of the packed B panels
 * @param gemmEpilogueBytes output bytes per block of a fused bias/activation/residual epilogue
 * @param gemmStagger stagger the block order per thread
 * @param gemmStaggerRows rows per staggered block
 * @param gemmSharedPackFlops from this many flops one product packs B once for all threads
 * @param gemmParallelFlops from this many flops a product is split across threads
 * @param gemmSplitColumns force splitting C's columns (true) or rows (false) between threads; null decides by cache size
 * @param convKernels the CPU's own float32 convolution kernels (false: im2col and a GEMM, as before them)
 * @param convWinograd Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions it suits
 * @param cudaTf32 cuBLAS float32 products on tensor cores (TF32)
 */
public record RuntimeConfig(int threads, int spinMicros, boolean reproducible, boolean prefetch, long l2Bytes, long poolBytes,
        long packLimitBytes, long scratchKeepBytes, int gemmKc, int gemmNc, int gemmMRows, boolean gemmPackedDisable,
        int gemmPrefetchRows, long gemmEpilogueBytes, boolean gemmStagger, int gemmStaggerRows, double gemmSharedPackFlops,
        double gemmParallelFlops, Boolean gemmSplitColumns, boolean convKernels, boolean convWinograd, boolean cudaTf32) {

    /** One setting: its system property, default (as written on the command line) and meaning. */
    public record Setting(String property, String defaultValue, String meaning, Function<RuntimeConfig, Object> value) {
    }

    /** The table of settings, in the order {@code info} prints them. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("panface.threads", "number of processors", "CPU worker threads; every op splits across them",
                    RuntimeConfig::threads),
            new Setting("panface.cpu.spinMicros", "100", "microseconds an idle worker spins before sleeping (0: sleep at once)",
                    RuntimeConfig::spinMicros),
            new Setting("panface.cpu.reproducible", "true", "bit-identical CPU results from run to run at a fixed thread count",
                    RuntimeConfig::reproducible),
            new Setting("panface.cpu.prefetch", "true", "software prefetch of the next GEMM panels", RuntimeConfig::prefetch),
            new Setting("panface.cpu.l2Bytes", "0 (read from the OS, else 1 MiB)", "one core's level-2 cache in bytes",
                    RuntimeConfig::l2Bytes),
            new Setting("panface.cpu.poolBytes", "0 (half the maximum heap)", "bytes the Java-heap array pool may keep",
                    RuntimeConfig::poolBytes),
            new Setting("panface.cpu.packLimitBytes", "33554432", "largest strided operand an elementwise op copies to contiguous first",
                    RuntimeConfig::packLimitBytes),
            new Setting("panface.cpu.scratchKeepBytes", "67108864", "native scratch buffers above this size are freed after use",
                    RuntimeConfig::scratchKeepBytes),
            new Setting("panface.gemm.kc", "448", "packed GEMM depth per block (at least 8)", RuntimeConfig::gemmKc),
            new Setting("panface.gemm.nc", "448", "packed GEMM weight columns per block (at least 16)", RuntimeConfig::gemmNc),
            new Setting("panface.gemm.mRows", "1024", "rows of A packed at once (at least 4)", RuntimeConfig::gemmMRows),
            new Setting("panface.gemm.packedDisable", "false", "turn the prepacked GEMM off", RuntimeConfig::gemmPackedDisable),
            new Setting("panface.gemm.prefetchRows", "1024", "rows between prefetches of the packed B panels",
                    RuntimeConfig::gemmPrefetchRows),
            new Setting("panface.gemm.epilogueBytes", "1048576", "output bytes per block of a fused bias/activation/residual epilogue",
                    RuntimeConfig::gemmEpilogueBytes),
            new Setting("panface.gemm.stagger", "true", "stagger the block order per thread", RuntimeConfig::gemmStagger),
            new Setting("panface.gemm.staggerRows", "256", "rows per staggered block", RuntimeConfig::gemmStaggerRows),
            new Setting("panface.gemm.sharedPackFlops", "5e7", "from this many flops one product packs B once for all threads",
                    RuntimeConfig::gemmSharedPackFlops),
            new Setting("panface.gemm.parallelFlops", "1.5e6", "from this many flops a product is split across threads",
                    RuntimeConfig::gemmParallelFlops),
            new Setting("panface.gemm.splitColumns", "unset (decided by cache size)",
                    "force splitting C's columns (true) or rows (false) between threads", RuntimeConfig::gemmSplitColumns),
            new Setting("panface.conv.kernels", "true", "the CPU's own float32 convolution kernels (false: im2col and a GEMM)",
                    RuntimeConfig::convKernels),
            new Setting("panface.conv.winograd", "true", "Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions it suits",
                    RuntimeConfig::convWinograd),
            new Setting("panface.cuda.tf32", "false", "cuBLAS float32 products on tensor cores (TF32)", RuntimeConfig::cudaTf32));

    private static volatile RuntimeConfig startup;

    public RuntimeConfig {
        positive("panface.threads", threads);
        atLeast("panface.cpu.spinMicros", spinMicros, 0);
        atLeast("panface.cpu.l2Bytes", l2Bytes, 0);
        atLeast("panface.cpu.poolBytes", poolBytes, 0);
        atLeast("panface.cpu.packLimitBytes", packLimitBytes, 0);
        atLeast("panface.cpu.scratchKeepBytes", scratchKeepBytes, 0);
        atLeast("panface.gemm.kc", gemmKc, 8);
        atLeast("panface.gemm.nc", gemmNc, 16);
        atLeast("panface.gemm.mRows", gemmMRows, 4);
        positive("panface.gemm.prefetchRows", gemmPrefetchRows);
        positive("panface.gemm.epilogueBytes", gemmEpilogueBytes);
        positive("panface.gemm.staggerRows", gemmStaggerRows);
        atLeast("panface.gemm.sharedPackFlops", gemmSharedPackFlops, 0);
        atLeast("panface.gemm.parallelFlops", gemmParallelFlops, 0);
    }

    /** The defaults, as on a JVM started with none of the properties set. */
    public static RuntimeConfig defaults() {
        return parse(Map.of());
    }

    /** The configuration the system properties describe now. */
    public static RuntimeConfig fromSystemProperties() {
        return parse(System::getProperty);
    }

    /**
     * The configuration the engine runs with: the system properties as they were when first asked,
     * fixed from then on (see the class comment).
     */
    public static RuntimeConfig startup() {
        RuntimeConfig c = startup;
        if (c == null) {
            synchronized (RuntimeConfig.class) {
                c = startup;
                if (c == null) {
                    c = fromSystemProperties();
                    startup = c;
                }
            }
        }
        return c;
    }

    /** A configuration from property names to values; absent names take their defaults. */
    public static RuntimeConfig parse(Map<String, String> values) {
        Objects.requireNonNull(values, "values");
        return parse(values::get);
    }

    /**
     * A configuration from a lookup of property names (null for absent); a malformed value fails
     * with an {@link IllegalArgumentException} naming the property and the value.
     */
    public static RuntimeConfig parse(Function<String, String> lookup) {
        return new RuntimeConfig(
                integer(lookup, "panface.threads", Runtime.getRuntime().availableProcessors()),
                integer(lookup, "panface.cpu.spinMicros", 100),
                bool(lookup, "panface.cpu.reproducible", true),
                bool(lookup, "panface.cpu.prefetch", true),
                longValue(lookup, "panface.cpu.l2Bytes", 0),
                longValue(lookup, "panface.cpu.poolBytes", 0),
                longValue(lookup, "panface.cpu.packLimitBytes", 32L << 20),
                longValue(lookup, "panface.cpu.scratchKeepBytes", 64L << 20),
                integer(lookup, "panface.gemm.kc", 448),
                integer(lookup, "panface.gemm.nc", 448),
                integer(lookup, "panface.gemm.mRows", 1024),
                bool(lookup, "panface.gemm.packedDisable", false),
                integer(lookup, "panface.gemm.prefetchRows", 1024),
                longValue(lookup, "panface.gemm.epilogueBytes", 1L << 20),
                bool(lookup, "panface.gemm.stagger", true),
                integer(lookup, "panface.gemm.staggerRows", 256),
                number(lookup, "panface.gemm.sharedPackFlops", 5e7),
                number(lookup, "panface.gemm.parallelFlops", 1.5e6),
                optionalBool(lookup, "panface.gemm.splitColumns"),
                bool(lookup, "panface.conv.kernels", true),
                bool(lookup, "panface.conv.winograd", true),
                bool(lookup, "panface.cuda.tf32", false));
    }

    /** Lines "property  value  (default: d) meaning", one per setting. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Setting s : SETTINGS) {
            out.add(String.format("%-30s %-12s %s (default: %s)", s.property(), show(s.value().apply(this)), s.meaning(), s.defaultValue()));
        }
        return out;
    }

    private static String show(Object v) {
        if (v == null) {
            return "unset";
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString();
        }
        return v.toString();
    }

    private static String raw(Function<String, String> lookup, String name) {
        String v = lookup.apply(name);
        return v == null ? null : v.trim();
    }

    private static int integer(Function<String, String> lookup, String name, int fallback) {
        String v = raw(lookup, name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw malformed(name, v, "an integer");
        }
    }

    private static long longValue(Function<String, String> lookup, String name, long fallback) {
        String v = raw(lookup, name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw malformed(name, v, "an integer number of bytes");
        }
    }

    private static double number(Function<String, String> lookup, String name, double fallback) {
        String v = raw(lookup, name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw malformed(name, v, "a finite number");
            }
            return d;
        } catch (NumberFormatException e) {
            throw malformed(name, v, "a number");
        }
    }

    private static boolean bool(Function<String, String> lookup, String name, boolean fallback) {
        Boolean b = optionalBool(lookup, name);
        return b == null ? fallback : b;
    }

    private static Boolean optionalBool(Function<String, String> lookup, String name) {
        String v = raw(lookup, name);
        if (v == null) {
            return null;
        }
        if (v.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw malformed(name, v, "true or false");
    }

    private static void positive(String name, long v) {
        atLeast(name, v, 1);
    }

    private static void atLeast(String name, double v, double min) {
        if (!(v >= min)) {
            throw new IllegalArgumentException(name + " must be at least " + (min == Math.rint(min) ? Long.toString((long) min) : min)
                    + ", got " + v);
        }
    }

    private static IllegalArgumentException malformed(String name, String value, String what) {
        return new IllegalArgumentException("-D" + name + "=" + value + " is not " + what);
    }
}
