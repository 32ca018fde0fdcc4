package panface.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import panface.nn.data.Batch;
import panface.nn.data.ChannelOrder;
import panface.nn.data.FaceDataset;
import panface.nn.data.FaceLoader;
import panface.nn.data.HorizontalFlip;
import panface.nn.data.LoaderOptions;
import panface.nn.data.RecordDataset;
import panface.nn.data.RecordPacker;
import panface.nn.infer.RgbDecoder;

/**
 * The training data path at insightface's settings: read a 112 x 112 JPEG record from a .rec,
 * decode, flip with p 0.5, normalise into (128, 3, 112, 112) float batches.
 * {@code make REC N} writes N synthetic face-sized JPEGs (quality 95, textured so they compress
 * like photos) in insightface's layout; {@code run REC THREADS BATCHES} checks the first batch's
 * labels and value range, then times BATCHES batches after a warm-up and prints a JSON line with
 * images per second (the name ends in _g1 when the G1 collector runs); {@code decode REC} times
 * decoding alone.
 */
public final class LoaderComparison {
    private static final int SIZE = 112;

    private LoaderComparison() {
    }

    public static void main(String[] args) throws IOException {
        if (args[0].equals("make")) {
            make(Path.of(args[1]), Integer.parseInt(args[2]));
        } else if (args[0].equals("decode")) {
            decode(Path.of(args[1]));
        } else {
            run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
    }

    private static void make(Path rec, int n) throws IOException {
        int classes = Math.max(1, n / 50);
        byte[][] jpegs = new byte[n][];
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            jpegs[i] = jpeg(face(new SplittableRandom(i)));
            bytes += jpegs[i].length;
        }
        FaceDataset data = new FaceDataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public int numClasses() {
                return classes;
            }

            @Override
            public EncodedSample read(int i) {
                return new EncodedSample(i % classes, jpegs[i]);
            }

            @Override
            public void close() {
            }
        };
        RecordPacker.Summary s = new RecordPacker(SIZE, 0.95f).pack(data, rec, done -> { });
        System.err.printf(Locale.ROOT, "%s: %d images, %d classes, mean JPEG %.0f bytes%n", rec, s.images(), s.classes(), (double) bytes / n);
    }

    /** A smooth random colour field with fine noise: photos of faces at 112 x 112 compress to a few kilobytes at quality 95. */
    private static BufferedImage face(SplittableRandom r) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_3BYTE_BGR);
        double[] f = new double[9];
        for (int i = 0; i < f.length; i++) {
            f[i] = r.nextDouble(0.02, 0.15);
        }
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int[] c = new int[3];
                for (int k = 0; k < 3; k++) {
                    double v = 128 + 70 * Math.sin(f[3 * k] * x + f[3 * k + 1] * y) * Math.cos(f[3 * k + 2] * (x - y)) + r.nextDouble(-12, 12);
                    c[k] = (int) Math.max(0, Math.min(255, v));
                }
                img.setRGB(x, y, c[0] << 16 | c[1] << 8 | c[2]);
            }
        }
        return img;
    }

    private static byte[] jpeg(BufferedImage img) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.95f);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    /**
     * Decoding alone, one thread, per image: javax.imageio's {@code ImageIO.read} (a reader looked
     * up per image) and RgbDecoder (TurboJPEG when installed and not switched off, else a reused
     * javax.imageio reader; the line's name says which).
     */
    private static void decode(Path rec) throws IOException {
        int n = 1000;
        byte[][] jpegs = new byte[n][];
        try (RecordDataset ds = RecordDataset.open(rec); RgbDecoder d = new RgbDecoder()) {
            for (int i = 0; i < n; i++) {
                jpegs[i] = ds.read(i % ds.size()).image();
            }
            RgbDecoder.Rgb first = d.decode(jpegs[0], "record 1");
            BufferedImage ref = ImageIO.read(new ByteArrayInputStream(jpegs[0]));
            if (first.width() != SIZE || ref.getWidth() != SIZE) {
                throw new IllegalStateException("expected " + SIZE + " x " + SIZE + " images");
            }
            double naive = Timing.medianSeconds(() -> {
                try {
                    for (byte[] j : jpegs) {
                        ImageIO.read(new ByteArrayInputStream(j));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, 1, 3) / n;
            double ours = Timing.medianSeconds(() -> {
                try {
                    for (byte[] j : jpegs) {
                        d.decode(j, "record");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, 1, 3) / n;
            Report.line("decode_jpeg112_imageio_read", naive, "");
            Report.line(RgbDecoder.usesTurboJpeg() ? "decode_jpeg112" : "decode_jpeg112_imageio_reused", ours, "");
        }
    }

    private static void run(Path rec, int threads, int batches) throws IOException {
        int batch = 128;
        LoaderOptions o = new LoaderOptions(batch, SIZE, SIZE, 1, 0, 1, true, threads, 4, List.of(new HorizontalFlip(0.5)), ChannelOrder.RGB,
                false);
        try (FaceLoader l = FaceLoader.open(rec, o)) {
            Batch first = l.next();
            for (long y : first.labels()) {
                if (y < 0 || y >= l.numClasses()) {
                    throw new IllegalStateException("label " + y + " outside [0, " + l.numClasses() + ")");
                }
            }
            for (float v : first.images()) {
                if (!(v >= -1f && v <= 1f)) {
                    throw new IllegalStateException("normalised value " + v + " outside [-1, 1]");
                }
            }
            // as a training loop does: each batch's arrays go back once copied into a tensor
            for (int i = 0; i < 4; i++) {
                l.recycle(l.next());
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                l.recycle(l.next());
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            boolean g1 = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(b -> b.getName().startsWith("G1"));
            Report.line("loader_jpeg112_flip_norm_t" + threads + (g1 ? "_g1" : ""), sec / batches, String.format(Locale.ROOT, "\"images_per_s\":%.1f",
                    batches * batch / sec));
        }
    }
}
