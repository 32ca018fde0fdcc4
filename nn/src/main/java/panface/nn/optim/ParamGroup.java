package panface.nn.optim;

import java.util.List;

import panface.nn.Parameter;

/**
 * Parameters that share hyperparameters. The effective learning rate is the optimizer's current
 * rate times {@link #lrScale} (layer-wise decay); weight decay is per group (0 for norms, biases
 * and position embeddings in the usual ViT recipe).
 *
 * @param name        a label for logs and checkpoints
 * @param params      the parameters
 * @param weightDecay the group's weight decay
 * @param lrScale     multiplier of the learning rate
 */
public record ParamGroup(String name, List<Parameter> params, double weightDecay, double lrScale) {
    public ParamGroup {
        params = List.copyOf(params);
        if (!(weightDecay >= 0) || !(lrScale > 0)) {
            throw new IllegalArgumentException("group '" + name + "': weight decay must be >= 0 and the lr scale > 0");
        }
    }

    /** One group of everything with one weight decay. */
    public static ParamGroup of(List<Parameter> params, double weightDecay) {
        return new ParamGroup("all", params, weightDecay, 1.0);
    }
}
