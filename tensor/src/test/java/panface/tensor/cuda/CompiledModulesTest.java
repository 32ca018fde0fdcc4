package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Compile scheduling of the kernel modules, with a fake compiler and loader (no GPU, no NVRTC). */
class CompiledModulesTest {

    @Test
    void eachSourceCompilesOnceAndAllStartTogether() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "one processor: compiles cannot overlap");
        CountDownLatch bothStarted = new CountDownLatch(2);
        Map<String, AtomicInteger> compiles = new ConcurrentHashMap<>();
        CompiledModules<String> m = new CompiledModules<>(List.of("a.cu", "b.cu"), src -> {
            compiles.computeIfAbsent(src, k -> new AtomicInteger()).incrementAndGet();
            bothStarted.countDown();
            try {
                // returns only when the other source is compiling at the same time
                if (!bothStarted.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the sources were compiled one after another");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return src.getBytes();
        }, image -> new String(image) + " loaded");
        assertEquals("a.cu loaded", m.module("a.cu"));
        assertSame(m.module("a.cu"), m.module("a.cu"));
        assertEquals("b.cu loaded", m.module("b.cu"));
        assertEquals(Map.of(), m.loadAll());
        assertEquals(1, compiles.get("a.cu").get());
        assertEquals(1, compiles.get("b.cu").get());
    }

    @Test
    void aFailedCompileIsRememberedNotRetried() {
        AtomicInteger compiles = new AtomicInteger();
        CompiledModules<String> m = new CompiledModules<>(List.of("bad.cu", "good.cu"), src -> {
            if (src.equals("bad.cu")) {
                compiles.incrementAndGet();
                throw new IllegalArgumentException("NVRTC_ERROR_COMPILATION: bad.cu(3): error");
            }
            return new byte[] {1};
        }, image -> "module");
        IllegalArgumentException first = assertThrows(IllegalArgumentException.class, () -> m.module("bad.cu"));
        assertTrue(first.getMessage().contains("bad.cu(3)"), first.getMessage());
        for (int i = 0; i < 3; i++) {
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> m.module("bad.cu"));
            assertSame(first, again.getCause());
            assertTrue(again.getMessage().contains("bad.cu(3)"), again.getMessage());
        }
        assertEquals("module", m.module("good.cu"));
        Map<String, RuntimeException> failed = m.loadAll();
        assertEquals(List.of("bad.cu"), List.copyOf(failed.keySet()));
        assertSame(first, failed.get("bad.cu"));
        assertEquals(1, compiles.get());
    }

    @Test
    void aFailedLoadIsRemembered() {
        AtomicInteger loads = new AtomicInteger();
        CompiledModules<String> m = new CompiledModules<>(List.of("x.cu"), src -> new byte[] {1}, image -> {
            loads.incrementAndGet();
            throw new IllegalStateException("CUDA_ERROR_NO_BINARY_FOR_GPU");
        });
        assertThrows(IllegalStateException.class, () -> m.module("x.cu"));
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> m.module("x.cu"));
        assertTrue(again.getMessage().contains("NO_BINARY_FOR_GPU"), again.getMessage());
        assertEquals(1, loads.get());
    }

    @Test
    void anUnknownSourceIsNamed() {
        CompiledModules<String> m = new CompiledModules<>(List.of("x.cu"), src -> new byte[0], image -> "m");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.module("y.cu"));
        assertTrue(e.getMessage().contains("y.cu"), e.getMessage());
    }
}
