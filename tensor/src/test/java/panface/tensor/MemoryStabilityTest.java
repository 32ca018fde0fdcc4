package panface.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Trains a small model for 1,000 steps with a per-step scope and checks that memory does not
 * grow: scope-owned tensor bytes return to the same level after every step, and neither direct
 * buffers nor the process's resident memory creep upward.
 */
class MemoryStabilityTest {

    @Test
    void thousandTrainingStepsDoNotGrowMemory() throws IOException {
        Generator gen = new Generator(11);
        try (Scope model = Scope.open()) {
            Tensor w1 = Tensor.randn(gen, 64, 32).mul(0.1).detach().requiresGrad(true);
            Tensor b1 = Tensor.zeros(64).requiresGrad(true);
            Tensor w2 = Tensor.randn(gen, 8, 64).mul(0.1).detach().requiresGrad(true);
            Tensor[] params = {w1, b1, w2};
            Tensor x = Tensor.randn(gen, 128, 32);
            Tensor target = Tensor.randn(gen, 128, 8);
            long steadyBytes = -1;
            long steadyStorages = -1;
            long earlyMin = Long.MAX_VALUE;
            long lateMin = Long.MAX_VALUE;
            long directAt200 = 0;
            double firstLoss = 0;
            double lastLoss = 0;
            for (int step = 0; step < 1000; step++) {
                try (Scope s = Scope.open()) {
                    Tensor h = F.relu(F.linear(x, w1, b1));
                    Tensor loss = F.linear(h, w2, null).sub(target).square().mean();
                    loss.backward();
                    try (var off = GradMode.noGrad()) {
                        for (Tensor p : params) {
                            p.addInPlace(p.grad(), -0.05);
                            p.zeroGrad();
                        }
                    }
                    lastLoss = loss.item();
                    if (step == 0) {
                        firstLoss = lastLoss;
                    }
                }
                long live = MemoryStats.liveBytes(Device.CPU);
                long storages = MemoryStats.liveStorages(Device.CPU);
                if (step == 1) {
                    steadyBytes = live;
                    steadyStorages = storages;
                } else if (step > 1) {
                    assertEquals(steadyBytes, live, "scope-owned bytes after step " + step);
                    assertEquals(steadyStorages, storages, "live storages after step " + step);
                }
                if (step % 50 == 0 && step >= 100) {
                    // The resident set also holds the Java heap, which grows and shrinks with the
                    // collector: compare the lowest readings of an early and a late window, so a
                    // steady native leak (tens of KiB per step) shows while heap noise does not.
                    System.gc();
                    long rss = residentBytes();
                    if (step <= 400) {
                        earlyMin = Math.min(earlyMin, rss);
                    } else if (step >= 700) {
                        lateMin = Math.min(lateMin, rss);
                    }
                }
                if (step == 200) {
                    directAt200 = directBytes();
                }
            }
            long rssGrowth = lateMin - earlyMin;
            assertTrue(rssGrowth < 32L << 20, "resident memory grew by " + (rssGrowth >> 20) + " MiB between steps 100-400 and 700-1000");
            assertEquals(directAt200, directBytes(), "direct buffer memory changed");
            assertTrue(lastLoss < firstLoss * 0.5, "the model should learn: loss " + firstLoss + " -> " + lastLoss);
        }
    }

    private static long residentBytes() throws IOException {
        Path statm = Path.of("/proc/self/statm");
        if (!Files.exists(statm)) {
            return 0;
        }
        String[] f = Files.readString(statm).trim().split("\\s+");
        return Long.parseLong(f[1]) * 4096L;
    }

    private static long directBytes() {
        long total = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            total += b.getMemoryUsed();
        }
        return total;
    }
}
