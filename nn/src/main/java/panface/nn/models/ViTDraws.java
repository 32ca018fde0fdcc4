package panface.nn.models;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/**
 * The random decisions of one training forward of {@link FaceViT}: which patch tokens each sample
 * keeps (insightface's random_masking) and which samples keep each residual branch (drop path,
 * decided anew for the attention and for the MLP branch of every block). {@link #philox} draws them
 * as the model does by default; {@link #given} replays decisions made elsewhere, so that a training
 * forward can be compared with a reference that made the same ones.
 */
public interface ViTDraws {

    /**
     * The token order of each sample, (batch, tokens) I64: a permutation per row (the reference's
     * ids_shuffle) whose first {@code keep} entries are the tokens that pass through the blocks, in
     * that order; the rest are the dropped tokens, in any order.
     */
    Tensor tokenOrder(int batch, int tokens, int keep);

    /**
     * Which samples keep one residual branch: (batch) of 1 (kept; the model scales the branch by
     * 1/keepProb) and 0 (dropped), in any floating dtype.
     *
     * @param block    the block's index
     * @param branch   0 for the attention branch, 1 for the MLP branch
     * @param keepProb 1 minus the block's drop-path rate
     */
    Tensor dropPathKeep(int block, int branch, int batch, double keepProb, Device device);

    /**
     * Draws from a Philox stream: the token order is the argsort of uniform noise (batch, tokens),
     * each drop-path decision a Bernoulli(keepProb) per sample, in the order the forward asks.
     */
    static ViTDraws philox(Generator gen) {
        return new ViTDraws() {
            @Override
            public Tensor tokenOrder(int batch, int tokens, int keep) {
                return F.argsort(Tensor.rand(gen, batch, tokens), 1, false);
            }

            @Override
            public Tensor dropPathKeep(int block, int branch, int batch, double keepProb, Device device) {
                return Tensor.random(gen, Distribution.BERNOULLI, keepProb, 0, device, DType.F32, batch);
            }
        };
    }

    /**
     * Given decisions. keepIndex (batch, keep) I64 lists the tokens each sample keeps, in the order
     * they pass through the blocks (the token order continues with the other tokens, ascending);
     * null when the forward masks nothing. dropPathKeep (depth, 2, batch) holds 1 and 0 per block,
     * branch (0 attention, 1 MLP) and sample; null when the forward drops no path.
     */
    static ViTDraws given(Tensor keepIndex, Tensor dropPathKeep) {
        if (keepIndex != null && (keepIndex.dim() != 2 || keepIndex.dtype() != DType.I64)) {
            throw new IllegalArgumentException("keep index must be (batch, keep) I64, got " + keepIndex.describe());
        }
        if (dropPathKeep != null) {
            if (dropPathKeep.dim() != 3 || dropPathKeep.size(1) != 2 || !dropPathKeep.dtype().isFloating()) {
                throw new IllegalArgumentException("drop-path decisions must be floating (depth, 2, batch), got " + dropPathKeep.describe());
            }
            for (double v : dropPathKeep.to(Device.CPU).toDoubleArray()) {
                if (v != 0 && v != 1) {
                    throw new IllegalArgumentException("drop-path decisions must be 0 or 1, got " + v);
                }
            }
        }
        return new ViTDraws() {
            @Override
            public Tensor tokenOrder(int batch, int tokens, int keep) {
                if (keepIndex == null || keepIndex.size(0) != batch || keepIndex.size(1) != keep) {
                    throw new IllegalArgumentException("the forward keeps " + keep + " of " + tokens + " tokens of " + batch
                            + " samples; keep index given: " + (keepIndex == null ? "none" : keepIndex.describe()));
                }
                long[] kept = keepIndex.to(Device.CPU).toLongArray();
                long[] order = new long[batch * tokens];
                for (int b = 0; b < batch; b++) {
                    boolean[] taken = new boolean[tokens];
                    for (int j = 0; j < keep; j++) {
                        long t = kept[b * keep + j];
                        if (t < 0 || t >= tokens || taken[(int) t]) {
                            throw new IllegalArgumentException("sample " + b + ": keep index " + t + " out of range or repeated: "
                                    + Arrays.toString(Arrays.copyOfRange(kept, b * keep, (b + 1) * keep)));
                        }
                        taken[(int) t] = true;
                        order[b * tokens + j] = t;
                    }
                    int next = keep;
                    for (int t = 0; t < tokens; t++) {
                        if (!taken[t]) {
                            order[b * tokens + next++] = t;
                        }
                    }
                }
                return Tensor.of(order, batch, tokens).to(keepIndex.device());
            }

            @Override
            public Tensor dropPathKeep(int block, int branch, int batch, double keepProb, Device device) {
                if (dropPathKeep == null || block >= dropPathKeep.size(0) || dropPathKeep.size(2) != batch) {
                    throw new IllegalArgumentException("no drop-path decision given for block " + block + " of " + batch + " samples: "
                            + (dropPathKeep == null ? "none" : dropPathKeep.describe()));
                }
                return dropPathKeep.select(0, block).select(0, branch).to(device);
            }
        };
    }
}
