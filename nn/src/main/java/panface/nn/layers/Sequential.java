package panface.nn.layers;

import java.util.ArrayList;
import java.util.List;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.SavedTensors;

/** Layers applied in order, registered as "0", "1", ... (PyTorch's nn.Sequential keys). */
public final class Sequential extends Module implements Layer {
    private final List<Layer> layers = new ArrayList<>();

    /** An empty sequence; {@link #add} appends. */
    public Sequential() {
    }

    /** Adds a layer module; returns this. */
    public <M extends Module & Layer> Sequential add(M layer) {
        child(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    /** Adds a parameterless function as a layer (it takes a key, as PyTorch counts it). */
    public Sequential addFunction(Layer f) {
        return add(new Lambda(f));
    }

    /** The number of layers. */
    public int size() {
        return layers.size();
    }

    /** The layer at an index. */
    public Layer get(int i) {
        return layers.get(i);
    }

    /**
     * Applies the layers in order. When nothing is recorded for backward (see
     * {@link #freeingIntermediates}), each layer's intermediate tensors are freed when it returns
     * and each layer's output once the next layer has consumed it, so an inference holds about
     * one layer's activations at a time rather than all of them until the caller's scope closes.
     * When a graph is recorded, each layer's intermediates that the backward does not need are
     * freed when it returns, and its output once the next layer has consumed it unless the
     * backward reads it (see {@link SavedTensors}).
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        if (layers.size() < 2) {
            return layers.isEmpty() ? x : layers.get(0).forward(x);
        }
        if (recordsGraph(x)) {
            return SavedTensors.chain(x, layers.stream().map(l -> (java.util.function.UnaryOperator<Tensor>) l::forward).toList());
        }
        for (Layer l : layers) {
            Tensor in = y;
            y = Scope.compute(() -> l.forward(in));
            // the previous output is ours to free unless it is the caller's input or the new output views it
            if (in != x && in.storage() != x.storage() && in.storage() != y.storage()) {
                in.storage().close();
            }
        }
        return y;
    }

    /** The layers' steps chained, each output freed once the next has consumed it (see {@link InferenceStep#chain}). */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        if (layers.isEmpty()) {
            return (w, x) -> x;
        }
        java.util.List<InferenceStep> steps = new ArrayList<>();
        for (Module m : children().values()) {
            steps.add(c.step(m));
        }
        return InferenceStep.chain(steps);
    }

    /** A function without parameters (Flatten, an activation) as a module. */
    public static final class Lambda extends Module implements Layer {
        private final Layer f;

        public Lambda(Layer f) {
            this.f = f;
        }

        @Override
        public Tensor forward(Tensor x) {
            return f.forward(x);
        }
    }
}
