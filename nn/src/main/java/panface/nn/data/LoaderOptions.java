package panface.nn.data;

import java.util.List;

/**
 * How a {@link FaceLoader} builds batches.
 *
 * @param batchSize      images per batch (per rank); an epoch drops its last partial batch
 * @param height         image height in the batch
 * @param width          image width in the batch (images of another size are resized bilinearly)
 * @param seed           seeds the shuffle and the augmentations
 * @param rank           this process's rank in [0, worldSize)
 * @param worldSize      number of ranks sharing the data (each gets an interleaved share)
 * @param shuffle        whether each epoch is shuffled
 * @param threads        decoding threads
 * @param prefetch       batches prepared ahead of the one being consumed
 * @param augmentations  applied in order to each decoded image (insightface: a flip with p 0.5)
 * @param channels       channel order in the batch
 * @param skipBadRecords when true, a sample that cannot be read or decoded is replaced by the next
 *                       readable one of the rank's epoch order and counted; when false it fails the batch
 */
public record LoaderOptions(int batchSize, int height, int width, long seed, int rank, int worldSize, boolean shuffle, int threads,
        int prefetch, List<Augmentation> augmentations, ChannelOrder channels, boolean skipBadRecords) {
    public LoaderOptions {
        if (batchSize <= 0 || height <= 0 || width <= 0 || threads <= 0 || prefetch <= 0) {
            throw new IllegalArgumentException("batch size, image size, threads and prefetch must be positive");
        }
        augmentations = List.copyOf(augmentations);
    }

    /** insightface's training defaults: 112 x 112, shuffled, a horizontal flip with p 0.5, RGB, one rank, 2 batches ahead. */
    public static LoaderOptions insightface(int batchSize, long seed) {
        return new LoaderOptions(batchSize, 112, 112, seed, 0, 1, true, Math.max(1, Runtime.getRuntime().availableProcessors()), 2,
                List.of(new HorizontalFlip(0.5)), ChannelOrder.RGB, false);
    }

    public LoaderOptions withRank(int rank, int worldSize) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skipBadRecords);
    }

    public LoaderOptions withThreads(int threads, int prefetch) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skipBadRecords);
    }

    public LoaderOptions withAugmentations(List<Augmentation> augmentations) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skipBadRecords);
    }

    public LoaderOptions withChannels(ChannelOrder channels) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skipBadRecords);
    }

    public LoaderOptions withSkipBadRecords(boolean skip) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skip);
    }

    public LoaderOptions withShuffle(boolean shuffle) {
        return new LoaderOptions(batchSize, height, width, seed, rank, worldSize, shuffle, threads, prefetch, augmentations, channels,
                skipBadRecords);
    }
}
