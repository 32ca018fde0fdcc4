package panface.tensor.ops;

import static panface.tensor.ops.Operands.operand;

import java.util.Arrays;

import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Shape;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;

/** Layer normalisation (fused backend kernel), batch normalisation and PReLU. */
public final class Normalization {
    private Normalization() {
    }

    /** Layer normalisation over the trailing dimensions normalizedShape; weight/bias of that shape or null. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        x = Autocast.forFloat32(x);
        weight = Autocast.forFloat32(weight);
        bias = Autocast.forFloat32(bias);
        int k = normalizedShape.length;
        int[] xs = x.shape();
        if (k == 0 || k > xs.length
                || !Arrays.equals(Arrays.copyOfRange(xs, xs.length - k, xs.length), normalizedShape)) {
            throw new IllegalArgumentException("layerNorm: normalized shape " + Arrays.toString(normalizedShape)
                    + " does not match the trailing dimensions of " + x.describe());
        }
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p != null && !Arrays.equals(p.shape(), normalizedShape)) {
                throw new IllegalArgumentException("layerNorm: weight/bias " + p.describe() + " must have shape "
                        + Arrays.toString(normalizedShape));
            }
        }
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException("layerNorm needs a floating-point tensor, got " + x.describe());
        }
        int cols = Shape.prod(normalizedShape, 0, k);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        DType stat = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor x2 = x.detach().contiguous().reshape(rows, cols);
        Tensor w2 = weight == null ? null : weight.detach().contiguous().reshape(cols);
        Tensor b2 = bias == null ? null : bias.detach().contiguous().reshape(cols);
        Tensor y = x.newEmpty(x.dtype(), rows, cols);
        Tensor mean = x.newEmpty(stat, rows);
        Tensor rstd = x.newEmpty(stat, rows);
        x.backend().layerNorm(operand(x2), operand(w2), operand(b2), eps, operand(y), operand(mean), operand(rstd));
        Tensor out = y.reshape(xs);
        if (!GradMode.needsGrad(x, weight, bias)) {
            return out;
        }
        Node node = new Node("layerNorm", x, weight, bias) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor xin = saved(0);
                Tensor w = saved(1);
                Tensor gx = needs(0) ? xin.newEmpty(xin.dtype(), rows, cols) : null;
                Tensor gw = needs(1) ? xin.newEmpty(input(1).dtype(), cols) : null;
                Tensor gb = needs(2) ? xin.newEmpty(input(2).dtype(), cols) : null;
                xin.backend().layerNormBackward(operand(xin), operand(w), operand(saved(2)), operand(saved(3)), g.contiguous().reshape(rows, cols).asView(), operand(gx), operand(gw), operand(gb));
                return new Tensor[] {
                    gx == null ? null : gx.reshape(xs),
                    gw == null ? null : gw.reshape(normalizedShape),
                    gb == null ? null : gb.reshape(normalizedShape)
                };
            }
        };
        node.save(x2, w2, mean, rstd);
        return out.withGradFn(node);
    }

    /**
     * Batch normalisation over every dimension but 1. Training normalises with the batch's biased
     * variance and updates the running statistics in place (unbiased variance), as PyTorch.
     * Float32 and float64 take the backend's per-channel kernels (one pass for the statistics, one
     * for y, one for each gradient) where it has them; other cases compose elementwise ops.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batchNorm expects (N, C, ...), got " + x.describe());
        }
        int c = x.size(1);
        for (Tensor p : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (p != null && (p.dim() != 1 || p.size(0) != c)) {
                throw new IllegalArgumentException("batchNorm: per-channel tensor " + p.describe() + " must have " + c + " elements");
            }
        }
        boolean fusable = (x.dtype() == DType.F32 || x.dtype() == DType.F64)
                && (weight == null || weight.dtype() == x.dtype()) && (bias == null || bias.dtype() == x.dtype());
        if (fusable && training) {
            Tensor y = batchNormTraining(x, runningMean, runningVar, weight, bias, momentum, eps);
            if (y != null) {
                return y;
            }
        } else if (fusable && runningMean != null && runningVar != null && !GradMode.needsGrad(x, weight, bias)) {
            // evaluation: one affine map a channel, scale = w / sqrt(var + eps), shift = b - mean * scale
            try (var off = GradMode.noGrad()) {
                Tensor scale = runningVar.to(x.dtype()).add(eps).rsqrt();
                if (weight != null) {
                    scale = scale.mul(weight);
                }
                Tensor shift = runningMean.to(x.dtype()).mul(scale).neg();
                if (bias != null) {
                    shift = shift.add(bias);
                }
                Tensor xd = x.contiguous();
                Tensor y = x.newEmpty(x.dtype(), x.shape());
                if (x.backend().channelAffine(operand(xd), scale.contiguous().asView(), shift.contiguous().asView(), operand(y))) {
                    return y;
                }
            }
        }
        return batchNormComposite(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** Training with the backend's kernels, or null (nothing updated) where it has none. */
    private static Tensor batchNormTraining(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, double momentum,
                                            double eps) {
        int c = x.size(1);
        long n = (long) x.numel() / Math.max(c, 1);
        if (n <= 1) {
            throw new IllegalArgumentException("batchNorm in training needs more than one value per channel, got " + x.describe());
        }
        Tensor xd = x.detach().contiguous();
        Tensor wd = weight == null ? null : weight.detach().contiguous();
        Tensor mean = x.newEmpty(x.dtype(), c);
        Tensor var = x.newEmpty(x.dtype(), c);
        if (!x.backend().batchNormMoments(operand(xd), operand(mean), operand(var))) {
            return null;
        }
        Tensor rstd;
        Tensor[] affine = new Tensor[2];
        Tensor y = x.newEmpty(x.dtype(), x.shape());
        try (var off = GradMode.noGrad()) {
            if (runningMean != null) {
                runningMean.copyFrom(runningMean.mul(1 - momentum).add(mean.to(runningMean.dtype()).mul(momentum)));
            }
            if (runningVar != null) {
                Tensor unbiased = var.mul((double) n / (n - 1)).to(runningVar.dtype());
                runningVar.copyFrom(runningVar.mul(1 - momentum).add(unbiased.mul(momentum)));
            }
            rstd = var.add(eps).rsqrt();
            Tensor scale = wd == null ? rstd : rstd.mul(wd);
            Tensor shift = mean.mul(scale).neg();
            if (bias != null) {
                shift = shift.add(bias.detach());
            }
            affine[0] = scale.contiguous();
            affine[1] = shift.contiguous();
            if (!x.backend().channelAffine(operand(xd), affine[0].asView(), affine[1].asView(), operand(y))) {
                throw new IllegalStateException("batchNorm: the backend computed the statistics of " + x.describe() + " but cannot apply them");
            }
        }
        if (!GradMode.needsGrad(x, weight, bias)) {
            return y;
        }
        Node node = new Node("batchNorm", x, weight, bias) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor xin = source();
                Tensor gx = needs(0) ? xin.newEmpty(xin.dtype(), xin.shape()) : null;
                Tensor gw = needs(1) ? xin.newEmpty(xin.dtype(), c) : null;
                Tensor gb = needs(2) ? xin.newEmpty(xin.dtype(), c) : null;
                if (!xin.backend().batchNormBackward(operand(xin), operand(saved(1)), operand(saved(2)), operand(saved(3)), g.to(xin.dtype()).contiguous().asView(), operand(gx), operand(gw), operand(gb))) {
                    throw new IllegalStateException("batchNorm: the backend has no backward for " + xin.describe());
                }
                return new Tensor[] {gx, gw, gb};
            }

            /** y again from the input and the per-channel scale and shift the forward applied: the same kernel on the same values. */
            @Override
            protected boolean recomputes() {
                return true;
            }

            @Override
            protected Tensor recompute() {
                Tensor xin = source();
                Tensor out = xin.newEmpty(xin.dtype(), xin.shape());
                xin.backend().channelAffine(operand(xin), operand(saved(4)), operand(saved(5)), operand(out));
                return out;
            }

            /** The contiguous input: the input itself, or the copy saved when it was not contiguous. */
            private Tensor source() {
                return saved(0) != null ? saved(0) : input(0).detach();
            }
        };
        saveInput(node, x, xd, mean, rstd, wd, affine[0], affine[1]);
        return y.withGradFn(node.readsValuesOnDemand());
    }

    /**
     * Saves what a per-channel node needs beside its input: the input itself is kept as an input
     * (so that, when its producer can recompute it, it need not be kept at all), or, when it was
     * not contiguous, as the contiguous copy the kernels read, saved in slot 0 in its stead.
     */
    private static void saveInput(Node node, Tensor x, Tensor xd, Tensor... rest) {
        Tensor[] all = new Tensor[rest.length + 1];
        if (xd.storage() != x.storage()) {
            all[0] = xd;
            node.needsNoValuesOf(0);
        }
        System.arraycopy(rest, 0, all, 1, rest.length);
        node.save(all);
    }

    /** Batch normalisation composed of broadcast elementwise ops and reductions: any dtype and backend. */
    private static Tensor batchNormComposite(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batchNorm expects (N, C, ...), got " + x.describe());
        }
        int c = x.size(1);
        for (Tensor p : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (p != null && (p.dim() != 1 || p.size(0) != c)) {
                throw new IllegalArgumentException("batchNorm: per-channel tensor " + p.describe() + " must have " + c + " elements");
            }
        }
        int[] bshape = new int[x.dim()];
        Arrays.fill(bshape, 1);
        bshape[1] = c;
        int[] dims = new int[x.dim() - 1];
        dims[0] = 0;
        for (int i = 2; i < x.dim(); i++) {
            dims[i - 1] = i;
        }
        Tensor mean;
        Tensor var;
        if (training) {
            long n = (long) x.numel() / Math.max(c, 1);
            if (n <= 1) {
                throw new IllegalArgumentException("batchNorm in training needs more than one value per channel, got " + x.describe());
            }
            mean = x.mean(dims, true);
            var = x.var(dims, 0, true);
            if (runningMean != null || runningVar != null) {
                try (var off = GradMode.noGrad()) {
                    if (runningMean != null) {
                        runningMean.copyFrom(runningMean.mul(1 - momentum).add(mean.detach().reshape(c).to(runningMean.dtype()).mul(momentum)));
                    }
                    if (runningVar != null) {
                        Tensor unbiased = var.detach().reshape(c).mul((double) n / (n - 1)).to(runningVar.dtype());
                        runningVar.copyFrom(runningVar.mul(1 - momentum).add(unbiased.mul(momentum)));
                    }
                }
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batchNorm in evaluation needs running mean and variance");
            }
            mean = runningMean.to(x.dtype()).reshape(bshape);
            var = runningVar.to(x.dtype()).reshape(bshape);
        }
        Tensor y = x.sub(mean).mul(var.add(eps).rsqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(bshape));
        }
        if (bias != null) {
            y = y.add(bias.reshape(bshape));
        }
        return y;
    }

    /**
     * PReLU with one weight or one per channel (dim 1): x > 0 ? x : w * x. Float32 and float64 take
     * the backend's fused kernels where it has them; other cases compose where and mul.
     */
    public static Tensor prelu(Tensor x, Tensor weight) {
        int n = weight.numel();
        if (n != 1 && (x.dim() < 2 || x.size(1) != n)) {
            throw new IllegalArgumentException("prelu: " + n + " weights do not match the channels of " + x.describe());
        }
        if ((x.dtype() == DType.F32 || x.dtype() == DType.F64) && weight.dtype() == x.dtype()) {
            Tensor xd = x.detach().contiguous();
            Tensor wd = weight.detach().contiguous();
            Tensor out = x.newEmpty(x.dtype(), x.shape());
            if (x.backend().prelu(operand(xd), operand(wd), operand(out))) {
                if (!GradMode.needsGrad(x, weight)) {
                    return out;
                }
                int[] wshape = weight.shape();
                Node node = new Node("prelu", x, weight) {
                    @Override
                    public Tensor[] backward(Tensor g) {
                        Tensor xin = source();
                        Tensor gx = needs(0) ? xin.newEmpty(xin.dtype(), xin.shape()) : null;
                        Tensor gw = needs(1) ? xin.newEmpty(xin.dtype(), wshape) : null;
                        if (!xin.backend().preluBackward(operand(xin), operand(saved(1)), g.to(xin.dtype()).contiguous().asView(), operand(gx), gw == null ? null : gw.reshape(n).asView())) {
                            throw new IllegalStateException("prelu: the backend has no backward for " + xin.describe());
                        }
                        return new Tensor[] {gx, gw};
                    }

                    /** The output again from the input and the slopes: the same kernel on the same values. */
                    @Override
                    protected boolean recomputes() {
                        return true;
                    }

                    @Override
                    protected Tensor recompute() {
                        Tensor xin = source();
                        Tensor y = xin.newEmpty(xin.dtype(), xin.shape());
                        xin.backend().prelu(operand(xin), operand(saved(1)), operand(y));
                        return y;
                    }

                    private Tensor source() {
                        return saved(0) != null ? saved(0) : input(0).detach();
                    }
                };
                saveInput(node, x, xd, wd);
                return out.withGradFn(node.readsValuesOnDemand());
            }
        }
        Tensor w;
        if (n == 1) {
            w = weight.reshape();
        } else {
            int[] s = new int[x.dim()];
            Arrays.fill(s, 1);
            s[1] = n;
            w = weight.reshape(s);
        }
        return Elementwise.where(x.gt(0.0), x, x.mul(w));
    }
}
