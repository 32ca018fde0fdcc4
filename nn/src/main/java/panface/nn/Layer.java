package panface.nn;

import panface.tensor.Tensor;

/** A module with one input and one output. */
public interface Layer {
    /** Applies the layer. */
    Tensor forward(Tensor x);
}
