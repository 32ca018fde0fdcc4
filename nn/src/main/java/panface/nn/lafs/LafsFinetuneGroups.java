package panface.nn.lafs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.nn.optim.ParamGroup;

/**
 * Parameter groups for LAFS fine-tuning with layer-wise learning-rate decay that is actually
 * applied (the released code builds these groups but its schedulers never multiply by lr_scale,
 * so there it is a no-op). Layer ids as BEiT: 0 for the embeddings (patch_to_embedding,
 * cls_token, pos_embedding) and the landmark CNN, k + 1 for block k, depth + 1 for everything
 * after (the final LayerNorm, and the margin head's weight passed separately); lr scale =
 * decay^(depth + 1 - id). Weight decay: weightDecay for tensors of 2 or more dimensions,
 * landmarkDecay for the landmark CNN's, 0 for biases and 1-D tensors.
 */
public final class LafsFinetuneGroups {
    /** The paper's layer decay. */
    public static final double PAPER_DECAY = 0.58;

    private LafsFinetuneGroups() {
    }

    /** The layer id of a Part fViT state-dict key for a model of a given depth. */
    public static int layerId(String key, int depth) {
        if (key.startsWith("patch_to_embedding.") || key.equals("cls_token") || key.equals("pos_embedding") || key.startsWith("stn.")
                || key.startsWith("output_layer.")) {
            return 0;
        }
        if (key.startsWith("transformer.layers.")) {
            String rest = key.substring("transformer.layers.".length());
            return Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1;
        }
        return depth + 1;
    }

    /**
     * Groups over the model's parameters (those that require gradients) plus extra head
     * parameters (for example the CosFace weight, layer depth + 1, decayed like a weight).
     */
    public static List<ParamGroup> groups(PartFViT model, List<Parameter> head, double decay, double weightDecay, double landmarkDecay) {
        int depth = model.config().depth();
        Map<String, List<Parameter>> byGroup = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            String k = e.getKey();
            int id = layerId(k, depth);
            boolean noDecay = k.endsWith(".bias") || p.shape().length == 1;
            boolean landmark = k.startsWith("stn.") || k.startsWith("output_layer.");
            double wd = noDecay ? 0 : landmark ? landmarkDecay : weightDecay;
            add(byGroup, settings, "layer" + id + "_wd" + wd, p, wd, Math.pow(decay, depth + 1 - id));
        }
        for (Parameter p : head) {
            add(byGroup, settings, "head_wd" + weightDecay, p, weightDecay, 1.0);
        }
        List<ParamGroup> out = new ArrayList<>();
        byGroup.forEach((name, ps) -> out.add(new ParamGroup(name, ps, settings.get(name)[0], settings.get(name)[1])));
        return out;
    }

    private static void add(Map<String, List<Parameter>> byGroup, Map<String, double[]> settings, String name, Parameter p, double wd,
                            double scale) {
        byGroup.computeIfAbsent(name, n -> new ArrayList<>()).add(p);
        settings.putIfAbsent(name, new double[] {wd, scale});
    }
}
