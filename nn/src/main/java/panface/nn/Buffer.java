package panface.nn;

import panface.tensor.Tensor;

/** A non-trainable state tensor of a module (BatchNorm running statistics, a queue, a centre). */
public final class Buffer {
    private Tensor data;

    public Buffer(Tensor t) {
        this.data = t;
    }

    /** The current tensor. */
    public Tensor data() {
        return data;
    }

    /** Replaces the held tensor. */
    public void set(Tensor t) {
        this.data = t;
    }
}
