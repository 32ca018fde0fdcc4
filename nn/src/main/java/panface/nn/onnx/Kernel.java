package panface.nn.onnx;

import panface.tensor.Tensor;

/** One graph node's computation, with its attributes already read: inputs in, outputs out (absent optional inputs are null). */
interface Kernel {
    Tensor[] run(Tensor[] in);

    /** Prepares weights for inference (packs a linear layer's weight); nothing by default. */
    default void prepare() {
    }

    /** Drops what {@link #prepare()} made; nothing by default. */
    default void unprepare() {
    }

    /** A kernel with one output. */
    interface Single extends Kernel {
        Tensor apply(Tensor[] in);

        @Override
        default Tensor[] run(Tensor[] in) {
            return new Tensor[] {apply(in)};
        }
    }
}
