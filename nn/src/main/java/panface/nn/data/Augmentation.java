package panface.nn.data;

/**
 * One random image transform of the training pipeline. Its randomness comes only from the
 * given {@link SampleRandom}, so an image's result depends on (seed, epoch, sample index) alone.
 * Implementations are stateless and thread-safe.
 */
@FunctionalInterface
public interface Augmentation {
    /** Transforms {@code img} (in place where the size does not change). */
    void apply(Image img, SampleRandom random);
}
