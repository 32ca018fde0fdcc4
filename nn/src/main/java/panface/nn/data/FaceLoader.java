package panface.nn.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import panface.nn.infer.RgbDecoder;

/**
 * A {@link BatchSource} over a {@link FaceDataset}: a pool of decoding threads prepares the next
 * few batches while the current one is used. Each image is read, decoded (JPEG, PNG, ...),
 * put in the configured channel order, augmented with randomness drawn from (seed, epoch, its
 * position in the epoch), resized to the batch size if needed and normalised the insightface
 * way. Epochs are shuffled and split between ranks as {@link DistributedSampler} says, and the
 * last partial batch of an epoch is dropped, so batch p depends only on p and the options.
 *
 * <p>A sample that cannot be read or decoded fails {@link #next} with an {@link UncheckedIOException}
 * naming the file, record key and byte offset, unless {@link LoaderOptions#skipBadRecords} is set:
 * then it is replaced by the next readable sample of the rank's epoch order and counted in
 * {@link #skippedRecords}. The loader owns the dataset and closes it. Not thread-safe: one
 * consumer calls {@link #next}.
 */
public final class FaceLoader implements BatchSource {
    private final FaceDataset data;
    private final LoaderOptions options;
    private final DistributedSampler sampler;
    private final long batchesPerEpoch;
    private final ExecutorService pool;
    private final ThreadLocal<RgbDecoder> decoders;
    private final List<RgbDecoder> allDecoders = new ArrayList<>();
    private long skipped;
    private String lastSkipped;
    private final ArrayDeque<CompletableFuture<Loaded>> ahead = new ArrayDeque<>();
    /** Image arrays handed back by {@link #recycle}, refilled by later batches (at most {@link #spareLimit()}). */
    private final java.util.concurrent.ConcurrentLinkedQueue<float[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Map<Long, int[]> epochs = new LinkedHashMap<>();
    private final int chunks;
    /** Whether every augmentation is a flip, so images of the batch size go straight from bytes to the batch. */
    private final boolean flipsOnly;
    private long position;
    private long scheduled;

    /** A loader over {@code data} (which it closes). */
    public FaceLoader(FaceDataset data, LoaderOptions options) {
        this.data = data;
        this.options = options;
        this.sampler = new DistributedSampler(data.size(), options.rank(), options.worldSize(), options.seed(), options.shuffle());
        this.batchesPerEpoch = sampler.numSamples() / options.batchSize();
        if (batchesPerEpoch == 0) {
            throw new IllegalArgumentException("rank " + options.rank() + " gets " + sampler.numSamples() + " samples per epoch, fewer than one batch of "
                    + options.batchSize());
        }
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "panface-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.decoders = ThreadLocal.withInitial(() -> {
            RgbDecoder d = new RgbDecoder();
            synchronized (allDecoders) {
                allDecoders.add(d);
            }
            return d;
        });
        this.chunks = Math.max(1, Math.min(options.batchSize(), options.threads() * 4));
        this.flipsOnly = options.augmentations().stream().allMatch(a -> a instanceof HorizontalFlip);
    }

    /** A loader over an MXNet {@code .rec} file (with its {@code .idx} and optional {@code property} beside it). */
    public static FaceLoader open(Path rec, LoaderOptions options) throws IOException {
        RecordDataset ds = RecordDataset.open(rec);
        try {
            return new FaceLoader(ds, options);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public LoaderOptions options() {
        return options;
    }

    public FaceDataset dataset() {
        return data;
    }

    @Override
    public int numClasses() {
        return data.numClasses();
    }

    @Override
    public long batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public Batch next() {
        fill();
        CompletableFuture<Loaded> f = ahead.removeFirst();
        Loaded b;
        try {
            b = f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
        position++;
        fill();
        if (b.skipped.get() > 0) {
            skipped += b.skipped.get();
            lastSkipped = b.lastError;
        }
        return b.batch;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void seek(long p) {
        if (p < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + p);
        }
        for (CompletableFuture<Loaded> f : ahead) {
            f.cancel(false);
        }
        ahead.clear();
        position = p;
        scheduled = p;
    }

    /**
     * How many times a bad sample was replaced (with {@link LoaderOptions#skipBadRecords}) in the
     * batches returned so far; a record that is bad is counted each time it is drawn.
     */
    public long skippedRecords() {
        return skipped;
    }

    /** The error of the last skipped sample, or null. */
    public String lastSkipped() {
        return lastSkipped;
    }

    @Override
    public void recycle(Batch batch) {
        float[] images = batch.images();
        if (images.length == options.batchSize() * 3 * options.height() * options.width() && spare.size() < spareLimit()) {
            spare.add(images);
        }
    }

    /** Enough spare arrays for every batch in flight: those prefetched, the one being read and the caller's. */
    private int spareLimit() {
        return options.prefetch() + 2;
    }

    private void fill() {
        while (scheduled < position + 1 + options.prefetch()) {
            ahead.addLast(schedule(scheduled++));
        }
    }

    private int[] epochIndices(long epoch) {
        int[] idx = epochs.get(epoch);
        if (idx == null) {
            idx = sampler.indices(epoch);
            epochs.put(epoch, idx);
            if (epochs.size() > 2) {
                epochs.remove(epochs.keySet().iterator().next());
            }
        }
        return idx;
    }

    private CompletableFuture<Loaded> schedule(long p) {
        long epoch = p / batchesPerEpoch;
        int first = (int) ((p % batchesPerEpoch) * options.batchSize());
        int[] indices = epochIndices(epoch);
        int bs = options.batchSize();
        int h = options.height();
        int w = options.width();
        float[] reused = spare.poll();
        float[] images = reused != null ? reused : new float[bs * 3 * h * w];    // every value is written below
        long[] labels = new long[bs];
        Loaded loaded = new Loaded();
        CompletableFuture<?>[] parts = new CompletableFuture<?>[chunks];
        for (int c = 0; c < chunks; c++) {
            int from = c * bs / chunks;
            int to = (c + 1) * bs / chunks;
            parts[c] = CompletableFuture.runAsync(() -> {
                for (int s = from; s < to; s++) {
                    labels[s] = load(indices, first + s, epoch, images, s * 3 * h * w, loaded);
                }
            }, pool);
        }
        return CompletableFuture.allOf(parts).thenApply(v -> {
            loaded.batch = new Batch(images, labels, h, w);
            return loaded;
        });
    }

    /** Loads the rank's k-th sample of the epoch into {@code out}; returns its label. */
    private long load(int[] indices, int k, long epoch, float[] out, int offset, Loaded loaded) {
        IOException first = null;
        for (int attempt = 0; attempt < indices.length; attempt++) {
            int i = indices[(k + attempt) % indices.length];
            try {
                return loadSample(i, new SampleRandom(options.seed(), epoch, sampler.globalPosition(k)), out, offset);
            } catch (IOException e) {
                if (!options.skipBadRecords()) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
                loaded.skipped.incrementAndGet();
                loaded.lastError = e.getMessage();
                if (first == null) {
                    first = e;
                }
            }
        }
        throw new UncheckedIOException("no sample of epoch " + epoch + " could be read; first error: " + first.getMessage(), first);
    }

    private long loadSample(int i, SampleRandom random, float[] out, int offset) throws IOException {
        FaceDataset.EncodedSample s = data.read(i);
        if (s.label() < 0 || s.label() >= data.numClasses()) {
            throw new IOException(data.describe(i) + ": label " + s.label() + " is not in [0, " + data.numClasses() + ")");
        }
        RgbDecoder.Rgb rgb = decoders.get().decode(s.image(), data.describe(i));
        boolean bgr = options.channels() == ChannelOrder.BGR;
        if (flipsOnly && rgb.width() == options.width() && rgb.height() == options.height()) {
            boolean flip = false;
            for (Augmentation a : options.augmentations()) {
                flip ^= random.bernoulli(((HorizontalFlip) a).p());
            }
            FastPath.normalize(rgb.pixels(), rgb.width(), rgb.height(), flip, bgr, out, offset);
            return s.label();
        }
        Image img = Image.fromInterleaved(rgb.pixels(), rgb.width(), rgb.height(), bgr);
        Augmentations.apply(options.augmentations(), img, random);
        if (img.width() != options.width() || img.height() != options.height()) {
            Resize.resize(img, options.width(), options.height());
        }
        Normalize.into(img, out, offset);
        return s.label();
    }

    /** A prepared batch and the bad samples replaced in it. */
    private static final class Loaded {
        final AtomicInteger skipped = new AtomicInteger();
        volatile String lastError;
        volatile Batch batch;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (allDecoders) {
            allDecoders.forEach(RgbDecoder::close);
            allDecoders.clear();
        }
        try {
            data.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
