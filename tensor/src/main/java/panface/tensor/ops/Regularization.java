package panface.tensor.ops;

import java.util.Arrays;

import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/** Dropout and stochastic depth (drop path), drawing their masks from Philox streams. */
public final class Regularization {
    private Regularization() {
    }

    private static void checkP(String op, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(op + ": probability must be in [0, 1), got " + p);
        }
    }

    /** Inverted dropout. */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        checkP("dropout", p);
        if (!training || p == 0) {
            return x;
        }
        Tensor keep = Tensor.random(gen, Distribution.BERNOULLI, 1 - p, 0, x.device(), x.dtype(), x.shape());
        return x.mul(keep.mul(1.0 / (1 - p)));
    }

    /** Drops whole samples (dim 0) with probability p; kept samples are scaled by 1/(1-p). */
    public static Tensor dropPath(Tensor x, double p, boolean training, Generator gen) {
        checkP("dropPath", p);
        if (!training || p == 0) {
            return x;
        }
        int[] s = new int[x.dim()];
        Arrays.fill(s, 1);
        s[0] = x.size(0);
        return dropPath(x, Tensor.random(gen, Distribution.BERNOULLI, 1 - p, 0, x.device(), x.dtype(), s), p);
    }

    /**
     * Drop path with the decisions given: keep holds one 1 (kept, scaled by 1/(1-p)) or 0 (dropped)
     * per sample of x's dim 0, in any floating dtype and any shape with that many elements.
     */
    public static Tensor dropPath(Tensor x, Tensor keep, double p) {
        checkP("dropPath", p);
        if (keep.numel() != x.size(0)) {
            throw new IllegalArgumentException("dropPath: " + keep.numel() + " decisions for " + x.size(0) + " samples");
        }
        int[] s = new int[x.dim()];
        Arrays.fill(s, 1);
        s[0] = x.size(0);
        Tensor k = keep.reshape(s).to(x.dtype()).to(x.device());
        return x.mul(k.mul(1.0 / (1 - p)));
    }
}
