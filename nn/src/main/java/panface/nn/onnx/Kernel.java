package panface.nn.onnx;

import panface.tensor.Tensor;

/** One graph node's computation, with its attributes already read: inputs in, outputs out (absent optional inputs are null). */
interface Kernel {
    Tensor[] run(Tensor[] in);

    /**
     * The constant weight this kernel can prepare for inference (packed for the GEMM, or for a
     * convolution), or null (the default) when it has none; see {@link #prepare()}.
     */
    default Tensor preparable() {
        return null;
    }

    /** Prepares {@link #preparable()} for {@link #run(Tensor[], Object)}; called by an inference plan, which owns the result. */
    default Object prepare() {
        return null;
    }

    /** The computation with the weight prepared by {@link #prepare()} (null: the weight as it is). */
    default Tensor[] run(Tensor[] in, Object prepared) {
        return run(in);
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
