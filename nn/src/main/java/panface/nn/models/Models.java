package panface.nn.models;

import java.util.List;
import java.util.Locale;

import panface.nn.Module;

/** The face backbones by insightface's get_model names. */
public final class Models {
    private Models() {
    }

    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("vit_t", "vit_t_dp005_mask0", "vit_s", "vit_s_dp005_mask_0", "vit_b",
            "vit_b_dp005_mask_005", "vit_l", "vit_l_dp005_mask_005", "vit_h", "r18", "r34", "r50", "r100", "r200", "mbf", "mbf_large", "mbf_qud");

    /** A backbone producing numFeatures-dimensional embeddings, initialised from a seed. */
    public static Module create(String name, int numFeatures, long seed) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("vit")) {
            ViTConfig c = ViTConfig.named(n);
            return new FaceViT(new ViTConfig(c.imgSize(), c.patchSize(), c.embedDim(), c.depth(), c.heads(), c.mlpRatio(), numFeatures,
                    c.dropPathRate(), c.maskRatio(), c.maskRatioAsConfigured(), seed));
        }
        return switch (n) {
            case "r18", "iresnet18" -> new IResNet(18, numFeatures, 0, seed);
            case "r34", "iresnet34" -> new IResNet(34, numFeatures, 0, seed);
            case "r50", "iresnet50" -> new IResNet(50, numFeatures, 0, seed);
            case "r100", "iresnet100" -> new IResNet(100, numFeatures, 0, seed);
            case "r200", "iresnet200" -> new IResNet(200, numFeatures, 0, seed);
            case "mbf" -> MobileFaceNet.standard(numFeatures, seed);
            case "mbf_large" -> MobileFaceNet.large(numFeatures, seed);
            case "mbf_qud" -> MobileFaceNet.qud(numFeatures, seed);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}
