package panface.nn.optim;

import java.util.LinkedHashMap;
import java.util.Map;

import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * An exponential moving average of a model's parameters (shadow = decay * shadow + (1 - decay) *
 * param after every update; buffers are copied), for evaluation with averaged weights and as the
 * teacher of self-distillation (DINO/LAFS).
 */
public final class Ema {
    private final Map<String, Parameter> params;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();
    private final Module model;
    private double decay;

    /** Starts the average at the model's current parameters. */
    public Ema(Module model, double decay) {
        this.model = model;
        this.params = model.namedParameters();
        setDecay(decay);
        try (var g = GradMode.noGrad()) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                shadow.put(e.getKey(), e.getValue().data().detach().copy());
            }
        }
    }

    /** Changes the decay (DINO's schedule raises it towards 1). */
    public void setDecay(double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1], got " + value);
        }
        this.decay = value;
    }

    /** Folds the current parameters into the average. */
    public void update() {
        try (var g = GradMode.noGrad()) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                shadow.get(e.getKey()).mulInPlace(decay).addInPlace(e.getValue().data(), 1 - decay);
            }
        }
    }

    /** The averaged parameters by name. */
    public Map<String, Tensor> averages() {
        return shadow;
    }

    /** Copies the averages (and the source model's buffers) into a model of the same architecture. */
    public void copyTo(Module target) {
        Map<String, Tensor> state = new LinkedHashMap<>(model.stateDict());
        state.putAll(shadow);
        target.loadStateDict(state, true);
    }
}
