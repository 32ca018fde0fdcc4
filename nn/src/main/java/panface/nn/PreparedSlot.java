package panface.nn;

import java.util.List;
import java.util.function.Supplier;

import panface.tensor.Tensor;

/**
 * A value an {@link InferencePlan} derives from weights (a packed weight, a convolution with its
 * BatchNorm folded in) together with what it was derived from: the parameter and buffer holders of
 * some modules. The plan keeps one value per slot and makes it again when any of those holders
 * holds another tensor or its tensor's {@link Tensor#version()} has moved on.
 *
 * @param <T> the prepared value's type
 */
public final class PreparedSlot<T> {
    final int index;
    final Supplier<T> make;
    final List<Supplier<Tensor>> sources;

    PreparedSlot(int index, Supplier<T> make, List<Supplier<Tensor>> sources) {
        this.index = index;
        this.make = make;
        this.sources = List.copyOf(sources);
    }

    /** The value prepared from the weights as they were when the run holding w started. */
    @SuppressWarnings("unchecked")
    public T in(PreparedSet w) {
        return (T) w.value(index);
    }
}
