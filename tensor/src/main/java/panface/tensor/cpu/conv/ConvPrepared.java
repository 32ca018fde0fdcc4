package panface.tensor.cpu.conv;

import panface.tensor.View;
import panface.tensor.backend.Conv2dParams;
import panface.tensor.cpu.elementwise.VecElementwise;
import panface.tensor.cpu.gemm.PackedGemm;
import panface.tensor.cpu.runtime.Ref;

/**
 * The CPU's prepared form of a float32 convolution weight (see {@link panface.tensor.PreparedConv}):
 * a snapshot of the weight and, made once on first use, the forms the kernels multiply with (the
 * weight packed for {@link ConvProduct}; for Winograd, its transform packed the same way). Which
 * forms a call needs depends on the input's size ({@link ConvShape#algorithm}), so each is made
 * when a call first needs it and kept.
 */
public final class ConvPrepared {
    private final View weight;
    private final Conv2dParams p;
    private final int groups;
    private volatile ConvPackedWeight gemm;
    private volatile ConvPackedWeight winograd;

    private ConvPrepared(View weight, Conv2dParams p, int groups) {
        this.weight = weight;
        this.p = p;
        this.groups = groups;
    }

    /** The prepared form of a contiguous float32 weight (a snapshot the caller does not change), or null when the packed kernels are unavailable. */
    public static ConvPrepared of(View weight, Conv2dParams p, int groups) {
        if (!PackedGemm.available() || !VecElementwise.f32Contiguous(weight) || weight.dim() != 4 || weight.numel() == 0) {
            return null;
        }
        return new ConvPrepared(weight, p, groups);
    }

    View weight() {
        return weight;
    }

    Conv2dParams params() {
        return p;
    }

    int groups() {
        return groups;
    }

    float[] floats() {
        return Ref.storage(weight).floats();
    }

    /** The weight packed as groups batches of (o/groups) x (c/groups * taps). */
    ConvPackedWeight gemm() {
        ConvPackedWeight g = gemm;
        if (g == null) {
            synchronized (this) {
                g = gemm;
                if (g == null) {
                    int[] ws = weight.shape();
                    int taps = ws[2] * ws[3];
                    g = new ConvPackedWeight(floats(), weight.offset(), groups, ws[0] / groups, ws[1] * taps, taps);
                    gemm = g;
                }
            }
        }
        return g;
    }

    /** Winograd's transformed weight U (16 batches of o x c), packed. */
    ConvPackedWeight winograd() {
        ConvPackedWeight u = winograd;
        if (u == null) {
            synchronized (this) {
                u = winograd;
                if (u == null) {
                    int o = weight.size(0);
                    int c = weight.size(1);
                    float[] t = new float[16 * o * c];
                    ConvWinograd.transformWeights(floats(), weight.offset(), t, 0, o, o, c);
                    u = new ConvPackedWeight(t, 0, 16, o, c, 1);
                    winograd = u;
                }
            }
        }
        return u;
    }
}
