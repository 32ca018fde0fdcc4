package panface.nn.layers;

import panface.nn.Buffer;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Batch normalisation over channel dimension 1 of (N, C) or (N, C, H, W), PyTorch's BatchNorm1d
 * and BatchNorm2d. Keys: weight, bias (when affine), running_mean, running_var,
 * num_batches_tracked. A state dict without num_batches_tracked loads with it set to 0, as
 * PyTorch's BatchNorm loads state dicts without version metadata (the buffer came with version 2).
 */
public final class BatchNorm extends Module implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final Buffer runningMean;
    private final Buffer runningVar;
    private final Buffer batches;
    private final double eps;
    private final double momentum;

    public BatchNorm(int channels, double eps, double momentum, boolean affine) {
        this.weight = affine ? parameter("weight", Tensor.ones(channels)) : null;
        this.bias = affine ? parameter("bias", Tensor.zeros(channels)) : null;
        this.runningMean = buffer("running_mean", Tensor.zeros(channels));
        this.runningVar = buffer("running_var", Tensor.ones(channels));
        this.batches = buffer("num_batches_tracked", Tensor.zeros(DType.I64));
        this.eps = eps;
        this.momentum = momentum;
    }

    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine. */
    public BatchNorm(int channels) {
        this(channels, 1e-5, 0.1, true);
    }

    /** The weight (null when not affine). */
    public Parameter weight() {
        return weight;
    }

    /**
     * The evaluation-mode transform as y = x * scale + shift per channel, {scale, shift} in
     * float32 worked out in float64 from the running statistics (what folding this layer into a
     * neighbouring convolution needs). A snapshot: later changes to the layer do not reach it.
     */
    public Tensor[] inferenceScaleShift() {
        try (var g = GradMode.noGrad()) {
            Tensor inv = runningVar.data().to(DType.F64).add(eps).rsqrt();
            Tensor scale = weight == null ? inv : inv.mul(weight.data().to(DType.F64));
            Tensor shift = runningMean.data().to(DType.F64).mul(scale).neg();
            if (bias != null) {
                shift = shift.add(bias.data().to(DType.F64));
            }
            return new Tensor[] {scale.to(DType.F32), shift.to(DType.F32)};
        }
    }

    @Override
    protected Tensor defaultForMissing(String name) {
        return name.equals("num_batches_tracked") ? Tensor.zeros(DType.I64) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        boolean train = isTraining();
        if (train) {
            try (var g = GradMode.noGrad()) {
                batches.data().copyFrom(batches.data().add(Tensor.scalar(1, DType.I64)));
            }
        }
        return F.batchNorm(x, runningMean.data(), runningVar.data(), weight == null ? null : weight.data(),
                bias == null ? null : bias.data(), train, momentum, eps);
    }
}
