package panface.nn.layers;

import java.util.ArrayList;
import java.util.List;

import panface.nn.Layer;
import panface.nn.Module;
import panface.tensor.Tensor;

/** Layers applied in order, registered as "0", "1", ... (PyTorch's nn.Sequential keys). */
public final class Sequential extends Module implements Layer {
    private final List<Layer> layers = new ArrayList<>();

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

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (Layer l : layers) {
            y = l.forward(y);
        }
        return y;
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
