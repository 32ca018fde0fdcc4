package panface.tensor;

/**
 * Something whose memory is one {@link Storage}: a {@link Tensor} or a {@link View}. What
 * {@link Scope} moves between scopes, so that the memory rules do not depend on the tensor type.
 */
public interface HasStorage {
    /** The storage this value's elements live in. */
    Storage storage();
}
