package panface.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import panface.nn.infer.FaceEmbedder;
import panface.nn.models.MobileFaceNet;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;

/**
 * Memory of face embedding with a small model (MobileFaceNet, 512 features, batch 1) from encoded
 * 112x112 PNGs: the peak tensor storage of one embedding, the heap bytes allocated per embedding
 * once the JIT has compiled the kernels (all threads, ThreadMXBean), then THREADS threads sharing
 * one embedder over EMBEDS images: time, throughput and garbage-collection time. Run it with a
 * small heap (embed-memory.sh: -Xmx1g, 8 threads, 10,000 images) to check that concurrent
 * embedding fits. Usage: EmbedMemory [threads] [embeds] [warm-up embeds].
 */
public final class EmbedMemory {
    private EmbedMemory() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int embeds = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int warm = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            images.add(png(i));
        }
        com.sun.management.ThreadMXBean tm = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Scope s = Scope.open(); FaceEmbedder e = FaceEmbedder.of(MobileFaceNet.standard(512, 3), 512, false, 1)) {
            long live = MemoryStats.liveBytes(Device.CPU);
            MemoryStats.resetPeak(Device.CPU);
            e.embed(images.get(0));
            System.out.printf(Locale.ROOT, "peak tensor storage of one embedding: %.1f MB (weights %.1f MB)%n",
                    (MemoryStats.peakBytes(Device.CPU) - live) / 1e6, live / 1e6);
            for (int i = 0; i < warm; i++) {
                e.embed(images.get(i % images.size()));
            }
            int n = 50;
            long before = tm.getTotalThreadAllocatedBytes();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                e.embed(images.get(i % images.size()));
            }
            System.out.printf(Locale.ROOT, "heap allocated per embedding after %d warm-up embeddings: %.1f MB (decoding included), %.1f ms each%n",
                    warm, (tm.getTotalThreadAllocatedBytes() - before) / 1e6 / n, (System.nanoTime() - t0) / 1e6 / n);
            AtomicInteger next = new AtomicInteger();
            long gc0 = Timing.gcMillis();
            long t1 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    fs.add(pool.submit(() -> {
                        for (int i = next.getAndIncrement(); i < embeds; i = next.getAndIncrement()) {
                            e.embed(images.get(i % images.size()));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            double secs = (System.nanoTime() - t1) / 1e9;
            System.out.printf(Locale.ROOT, "%d threads, %,d embeddings, max heap %.0f MB: %.1f s (%.1f per second), %.1f s in GC%n", threads, embeds,
                    Runtime.getRuntime().maxMemory() / 1e6, secs, embeds / secs, (Timing.gcMillis() - gc0) / 1e3);
        }
    }

    private static byte[] png(int seed) throws java.io.IOException {
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int r = (int) (127.5 + 127 * Math.sin(0.05 * x + seed));
                int g = (int) (127.5 + 127 * Math.cos(0.04 * y + 2 * seed));
                int b = (x * y + 7 * seed) & 0xFF;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
