package panface.tensor;

/**
 * A linear layer's weight (out, in) prepared once for many inference products, for
 * {@link F#linear(Tensor, PrepackedWeight, Tensor)}. On the CPU the weight is packed into the GEMM
 * kernel's format, so products skip packing it every time (a third faster at batch 1 for the face
 * ViT's layers); other backends keep the weight as it is.
 *
 * <p>The packed copy is a snapshot: it does not follow later in-place changes of the weight.
 * Products that need gradients, run under autocast, or whose input does not suit the packed form
 * use the weight itself, so a stale pack is never used in training; after changing the weights
 * of a model held for inference, prepare them again. The packed copy is freed when this object
 * is no longer reachable.
 */
public final class PrepackedWeight {
    private final Tensor weight;
    private final Object packed;

    private PrepackedWeight(Tensor weight, Object packed) {
        this.weight = weight;
        this.packed = packed;
    }

    /** Prepares a 2-D weight (out, in) on its own backend. */
    public static PrepackedWeight of(Tensor weight) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("a prepacked weight must be (out, in), got " + weight.describe());
        }
        Tensor w = weight.detach();
        return new PrepackedWeight(weight, w.backend().prepackWeight(w.asView()));
    }

    /** The weight this was prepared from. */
    public Tensor weight() {
        return weight;
    }

    /** True when the backend holds a packed copy (false: products use the weight as it is). */
    public boolean isPacked() {
        return packed != null;
    }

    /** The backend's packed form, or null. */
    public Object packed() {
        return packed;
    }
}
