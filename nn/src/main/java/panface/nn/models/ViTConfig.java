package panface.nn.models;

import java.util.Locale;

/**
 * Configuration of insightface's face ViT (and LVFace, which uses the same backbone).
 *
 * @param imgSize      input side (112)
 * @param patchSize    patch side (9: 12 x 12 = 144 tokens; the last 4 pixel rows and columns are ignored)
 * @param embedDim     token width D
 * @param depth        number of blocks
 * @param heads        attention heads
 * @param mlpRatio     MLP hidden width / D
 * @param numFeatures  embedding size (512)
 * @param dropPathRate stochastic depth at the last block (linear from 0)
 * @param maskRatio    token dropping in training; 0 disables it
 * @param maskRatioAsConfigured false reproduces the reference, whose random_masking is called without
 *                     the configured ratio and therefore always drops 10% when maskRatio &gt; 0; true drops maskRatio
 * @param seed         seed of the initialisation and of the training-time randomness
 */
public record ViTConfig(int imgSize, int patchSize, int embedDim, int depth, int heads, double mlpRatio, int numFeatures,
                        double dropPathRate, double maskRatio, boolean maskRatioAsConfigured, long seed) {

    public ViTConfig {
        if (imgSize % patchSize == imgSize || embedDim % heads != 0 || depth <= 0 || numFeatures <= 0) {
            throw new IllegalArgumentException("invalid ViT config: img " + imgSize + ", patch " + patchSize + ", dim " + embedDim
                    + ", heads " + heads + ", depth " + depth);
        }
        if (!(maskRatio >= 0 && maskRatio < 1) || !(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("mask ratio and drop path rate must be in [0, 1)");
        }
    }

    /** Tokens per image. */
    public int numPatches() {
        int side = imgSize / patchSize;
        return side * side;
    }

    /** The fraction of tokens dropped in training. */
    public double effectiveMaskRatio() {
        return maskRatio <= 0 ? 0 : maskRatioAsConfigured ? maskRatio : 0.1;
    }

    /** The same config with another seed. */
    public ViTConfig withSeed(long s) {
        return new ViTConfig(imgSize, patchSize, embedDim, depth, heads, mlpRatio, numFeatures, dropPathRate, maskRatio,
                maskRatioAsConfigured, s);
    }

    /** The same config with another depth (for small tests and demos). */
    public ViTConfig withDepth(int d) {
        return new ViTConfig(imgSize, patchSize, embedDim, d, heads, mlpRatio, numFeatures, dropPathRate, maskRatio,
                maskRatioAsConfigured, seed);
    }

    /** The same config without stochastic depth and masking (deterministic training). */
    public ViTConfig withoutRegularization() {
        return new ViTConfig(imgSize, patchSize, embedDim, depth, heads, mlpRatio, numFeatures, 0, 0, maskRatioAsConfigured, seed);
    }

    private static ViTConfig of(int dim, int depth, double dropPath, double mask) {
        return new ViTConfig(112, 9, dim, depth, 8, 4.0, 512, dropPath, mask, false, 0);
    }

    /**
     * The insightface configs by get_model name: vit_t, vit_t_dp005_mask0, vit_s,
     * vit_s_dp005_mask_0, vit_b, vit_b_dp005_mask_005, vit_l_dp005_mask_005, vit_h (and vit_l as
     * an alias of vit_l_dp005_mask_005).
     */
    public static ViTConfig named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vit_t" -> of(256, 12, 0.1, 0.1);
            case "vit_t_dp005_mask0" -> of(256, 12, 0.05, 0);
            case "vit_s" -> of(512, 12, 0.1, 0.1);
            case "vit_s_dp005_mask_0" -> of(512, 12, 0.05, 0);
            case "vit_b" -> of(512, 24, 0.1, 0.1);
            case "vit_b_dp005_mask_005" -> of(512, 24, 0.05, 0.05);
            case "vit_l", "vit_l_dp005_mask_005" -> of(768, 24, 0.05, 0.05);
            case "vit_h" -> of(1024, 48, 0.1, 0);
            default -> throw new IllegalArgumentException("unknown ViT config '" + name
                    + "' (known: vit_t, vit_t_dp005_mask0, vit_s, vit_s_dp005_mask_0, vit_b, vit_b_dp005_mask_005, vit_l_dp005_mask_005, vit_h)");
        };
    }
}
