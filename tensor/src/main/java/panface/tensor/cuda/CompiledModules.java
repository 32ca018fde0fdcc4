package panface.tensor.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Modules compiled from a fixed list of sources and loaded on first use. The first module asked
 * for starts the compilation of all of them at once, one thread per source up to the processor
 * count, so a cold start costs the slowest source, not the sum. A source that failed to compile or
 * load is remembered: every later use fails at once with the first error instead of compiling
 * again (a failed compile took seconds per launch before).
 *
 * @param <M> the loaded module
 */
final class CompiledModules<M> {
    private final List<String> sources;
    private final Function<String, byte[]> compiler;
    private final Function<byte[], M> loader;
    private final Map<String, CompletableFuture<byte[]>> images = new HashMap<>();
    private final Map<String, M> modules = new HashMap<>();
    private final Map<String, RuntimeException> failures = new HashMap<>();

    /**
     * @param compiler the image of one source (may block for seconds; called on worker threads)
     * @param loader   the module of one image (called on the thread asking for the module)
     */
    CompiledModules(List<String> sources, Function<String, byte[]> compiler, Function<byte[], M> loader) {
        this.sources = List.copyOf(sources);
        this.compiler = compiler;
        this.loader = loader;
    }

    /** The module of {@code source}, compiled and loaded on first use; throws the first failure again. */
    synchronized M module(String source) {
        M module = modules.get(source);
        if (module != null) {
            return module;
        }
        RuntimeException failed = failures.get(source);
        if (failed != null) {
            throw new IllegalStateException("kernel module " + source + " failed earlier and is not compiled again: " + failed.getMessage(),
                    failed);
        }
        if (!sources.contains(source)) {
            throw new IllegalArgumentException("no kernel source " + source + " (known: " + sources + ")");
        }
        startAll();
        try {
            module = loader.apply(images.get(source).join());
        } catch (CompletionException e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
            failures.put(source, cause);
            throw cause;
        } catch (RuntimeException e) {
            failures.put(source, e);
            throw e;
        }
        modules.put(source, module);
        return module;
    }

    /** Compiles and loads every source; the ones that failed, with their first errors (empty when all are ready). */
    synchronized Map<String, RuntimeException> loadAll() {
        startAll();
        Map<String, RuntimeException> failed = new LinkedHashMap<>();
        for (String s : sources) {
            try {
                module(s);
            } catch (RuntimeException e) {
                failed.put(s, failures.getOrDefault(s, e));
            }
        }
        return failed;
    }

    /** The modules loaded so far, forgotten by this call (their images and failures stay remembered). */
    synchronized List<M> takeLoaded() {
        List<M> out = new ArrayList<>(modules.values());
        modules.clear();
        return out;
    }

    private void startAll() {
        if (images.size() == sources.size()) {
            return;
        }
        int threads = Math.max(1, Math.min(sources.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "panface-kernel-compile");
            t.setDaemon(true);
            return t;
        });
        try {
            for (String s : sources) {
                images.computeIfAbsent(s, k -> CompletableFuture.supplyAsync(() -> compiler.apply(k), pool));
            }
        } finally {
            pool.shutdown();
        }
    }
}
