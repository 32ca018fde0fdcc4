package panface.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import panface.nn.Parameter;
import panface.nn.models.FaceViT;

/**
 * Parameter groups for a face ViT: layer-wise learning-rate decay (BEiT style: layer 0 = patch
 * and position embeddings and the mask token, block k = layer k+1, the final norm and the head =
 * depth+1; scale = decay^(depth + 1 - layer)), and no weight decay for norms, biases and
 * embeddings. LAFS's released code builds these scales but never applies them; here they apply.
 */
public final class LayerDecay {
    private LayerDecay() {
    }

    /** The usual no-decay rule: 1-D tensors (norm weights, biases), pos_embed and mask_token. */
    public static boolean noDecay(String name, Parameter p) {
        return p.shape().length <= 1 || name.equals("pos_embed") || name.endsWith(".pos_embed") || name.equals("mask_token");
    }

    /** Groups by (layer, decay / no decay) with lr scales; decay 1.0 gives plain decay/no-decay groups. */
    public static List<ParamGroup> groups(FaceViT model, double layerDecay, double weightDecay, BiPredicate<String, Parameter> skipDecay) {
        int depth = model.config().depth();
        Map<String, List<Parameter>> members = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            int layer = layerOf(name, depth);
            boolean skip = skipDecay.test(name, e.getValue());
            String key = "layer" + layer + (skip ? "_no_decay" : "_decay");
            members.computeIfAbsent(key, k -> new ArrayList<>()).add(e.getValue());
            settings.put(key, new double[] {skip ? 0 : weightDecay, Math.pow(layerDecay, depth + 1 - layer)});
        }
        List<ParamGroup> out = new ArrayList<>();
        for (Map.Entry<String, List<Parameter>> e : members.entrySet()) {
            double[] s = settings.get(e.getKey());
            out.add(new ParamGroup(e.getKey(), e.getValue(), s[0], s[1]));
        }
        return out;
    }

    static int layerOf(String name, int depth) {
        if (name.startsWith("patch_embed") || name.equals("pos_embed") || name.equals("mask_token")) {
            return 0;
        }
        if (name.startsWith("blocks.")) {
            return Integer.parseInt(name.substring(7, name.indexOf('.', 7))) + 1;
        }
        return depth + 1;
    }
}
