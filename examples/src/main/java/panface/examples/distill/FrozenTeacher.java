package panface.examples.distill;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.io.Checkpoint;
import panface.nn.io.WeightFiles;
import panface.nn.models.Models;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * The distillation teacher: a backbone in evaluation mode (BatchNorm running statistics, no
 * dropout or drop path) whose parameters take no gradient and whose forward runs without
 * recording a graph, as QUD's {@code torch.no_grad()} teacher.
 */
public final class FrozenTeacher implements UnaryOperator<Tensor> {
    private final Module model;

    public FrozenTeacher(Module model) {
        if (!(model instanceof Layer)) {
            throw new IllegalArgumentException(model.getClass().getSimpleName() + " is not a backbone with a forward");
        }
        this.model = model;
        model.eval();
        for (Parameter p : model.parameters()) {
            p.requiresGrad(false);
        }
    }

    /**
     * A backbone of ours (by insightface's get_model name) with the weights of a panface training
     * checkpoint (its "model" module) or of a PyTorch .pt/.pth or safetensors state dict; or an
     * ONNX face model (a file ending in .onnx; arch and numFeatures then come from the graph).
     */
    public static FrozenTeacher load(String arch, Path weights, int numFeatures) throws IOException {
        if (weights.getFileName() != null && weights.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            return new FrozenTeacher(panface.nn.onnx.OnnxModel.load(weights));
        }
        Module m = Models.create(arch, numFeatures, 0);
        Map<String, Tensor> state;
        try {
            Checkpoint.State s = Checkpoint.load(weights);
            state = s.modules().containsKey("model") ? s.modules().get("model") : s.modules().values().iterator().next();
        } catch (IOException | RuntimeException notOurs) {
            state = WeightFiles.stateDict(weights);
        }
        m.loadStateDict(state, true);
        return new FrozenTeacher(m);
    }

    public Module model() {
        return model;
    }

    @Override
    public Tensor apply(Tensor x) {
        try (var off = GradMode.noGrad()) {
            return ((Layer) model).forward(x).detach();
        }
    }
}
